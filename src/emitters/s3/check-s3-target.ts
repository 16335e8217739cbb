/**
 * The start-up check of every emitter that writes to S3: the bucket answers HeadBucket, and the
 * emitter may write under its prefix (an empty probe object, see `WRITE_CHECK_NAME` in `emitter.ts`).
 */
import { SinkCheckError } from '../../core/errors.js';
import { writeCheckKey } from '../emitter.js';
import type { S3TargetOptions } from './s3-target-options.js';
import { s3Sdk } from '../../aws/sdk-modules.js';

const { HeadBucketCommand, PutObjectCommand } = s3Sdk();

/**
 * Rejects with a SinkCheckError naming `sink`, the bucket (and prefix) option under `path` (such as
 * `emitter.bucket`), its value and S3's error.
 */
export async function checkS3Target(sink: string, target: Pick<S3TargetOptions, 'client' | 'bucket' | 'prefix'>, path = 'emitter'): Promise<void> {
  const { client, bucket } = target;
  const prefix = target.prefix ?? '';
  const setting = `${path}.bucket ${JSON.stringify(bucket)}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (err) {
    throw new SinkCheckError(sink, setting, 'HeadBucket', err);
  }
  const key = writeCheckKey(prefix);
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(0), ContentLength: 0 }));
  } catch (err) {
    throw new SinkCheckError(sink, `${setting}, ${path}.prefix ${JSON.stringify(prefix)}`, `PutObject of the probe object s3://${bucket}/${key}`, err);
  }
}
