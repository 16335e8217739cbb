/** S3Emitter: one object per batch at a deterministic key, so a re-emitted batch overwrites itself. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Batch } from '../../core/batch.js';
import { batchKey, type Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import type { S3TargetOptions } from './s3-target-options.js';
import { checkS3Target } from './check-s3-target.js';

const gzip = promisify(gzipCb);

/** The S3 target: client, bucket, key prefix and gzip (see {@link S3TargetOptions}). */
export type S3EmitterOptions = S3TargetOptions;

export class S3Emitter implements Emitter {
  constructor(private readonly options: S3EmitterOptions) {}

  async emit(batch: Batch): Promise<{ location: string }> {
    const gz = this.options.gzip ?? false;
    const key = batchKey(this.options.prefix ?? '', batch, gz);
    const body = gz ? await gzip(batch.data) : batch.data;
    try {
      await this.options.client.send(new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentLength: body.byteLength,
        ContentType: 'application/x-ndjson',
        ...(gz ? { ContentEncoding: 'gzip' } : {}),
      }));
    } catch (err) {
      throw new EmitError(`S3 PutObject s3://${this.options.bucket}/${key} failed: ${describeError(err)}`, { retriable: isRetriable(err), cause: err });
    }
    return { location: `s3://${this.options.bucket}/${key}` };
  }

  /** The bucket answers HeadBucket and takes the probe object under the prefix. */
  check(): Promise<void> {
    return checkS3Target('emitter s3', this.options);
  }

  close(): Promise<void> {
    this.options.client.destroy();
    return Promise.resolve();
  }
}
