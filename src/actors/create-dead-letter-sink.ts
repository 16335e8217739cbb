/** The dead-letter sink `deadLetter` configures, and its start-up check. */
import { createS3Client } from '../aws/s3-client.js';
import type { ResolvedConfig } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import { checkS3Target } from '../emitters/s3/check-s3-target.js';
import type { DeadLetterSink } from './dead-letter-sink.js';
import { FileDeadLetterSink } from './file-dead-letter-sink.js';
import { S3DeadLetterSink } from './s3-dead-letter-sink.js';

type DeadLetterConfig = ResolvedConfig['deadLetter'];

/** Objects in S3 when `deadLetter.s3` is set, else files under `deadLetter.dir`. */
export function createDeadLetterSink(config: DeadLetterConfig, logger?: Logger): DeadLetterSink {
  if (config.s3 !== undefined) {
    const { bucket, prefix, region, endpoint, forcePathStyle } = config.s3;
    return new S3DeadLetterSink({ client: createS3Client({ region, endpoint, forcePathStyle }), bucket, prefix, logger });
  }
  return new FileDeadLetterSink(config.dir);
}

/**
 * With `deadLetter.s3`, the start-up check of the emitters' S3 target on the dead-letter bucket:
 * HeadBucket, then the probe object `<prefix>_kinesis-connectors-write-check`; rejects with a
 * SinkCheckError naming `deadLetter.s3.bucket`. Files need no check (their folder is made on the
 * first write).
 */
export async function checkDeadLetterSink(config: DeadLetterConfig): Promise<void> {
  if (config.s3 === undefined) return;
  const { bucket, prefix, region, endpoint, forcePathStyle } = config.s3;
  const client = createS3Client({ region, endpoint, forcePathStyle });
  try {
    await checkS3Target('dead-letter sink s3', { client, bucket, prefix }, 'deadLetter.s3');
  } finally {
    client.destroy();
  }
}
