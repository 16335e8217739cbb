/** S3Emitter: one object per batch at a deterministic key, so a re-emitted batch overwrites itself. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Batch } from '../../core/batch.js';
import { batchBody, type BatchFormat } from '../batch-body.js';
import { batchKey, type Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import { checkOutputFormat } from '../parquet/parquet-options.js';
import type { S3TargetOptions } from './s3-target-options.js';
import { checkS3Target } from './check-s3-target.js';

/**
 * The S3 target: client, bucket, key prefix and gzip (see {@link S3TargetOptions}), and the format
 * of the objects (NDJSON by default, or Parquet: see {@link BatchFormat}).
 */
export type S3EmitterOptions = S3TargetOptions & BatchFormat;

export class S3Emitter implements Emitter {
  constructor(private readonly options: S3EmitterOptions) {
    checkOutputFormat(options, '');
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    const { body, extension, gzip: gz, contentType } = await batchBody(batch, this.options);
    const key = batchKey(this.options.prefix ?? '', batch, gz, extension);
    try {
      await this.options.client.send(new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: body,
        ContentLength: body.byteLength,
        ContentType: contentType,
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
