/**
 * S3Emitter: one object per batch, or per partition of a batch (a key template with per-record
 * parts), at deterministic keys, so a re-emitted batch overwrites its objects.
 */
import type { Batch } from '../../core/batch.js';
import { batchBody, batchNaming, type BatchFormat } from '../batch-body.js';
import { batchObjects, writeObjects, type BatchObject, type KeyScheme } from '../batch-objects.js';
import type { Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import { resolveKeyOptions, type KeyTemplateOptions } from '../key-options.js';
import { checkOutputFormat } from '../parquet/parquet-options.js';
import type { S3TargetOptions } from './s3-target-options.js';
import { checkS3Target } from './check-s3-target.js';
import { s3Sdk } from '../../aws/sdk-modules.js';

const { PutObjectCommand } = s3Sdk();

/**
 * The S3 target: client, bucket, key prefix and gzip (see {@link S3TargetOptions}), the key
 * template ({@link KeyTemplateOptions}) and the format of the objects (NDJSON by default, or
 * Parquet: see {@link BatchFormat}).
 */
export type S3EmitterOptions = S3TargetOptions & BatchFormat & KeyTemplateOptions;

export class S3Emitter implements Emitter {
  private readonly scheme: KeyScheme;

  constructor(private readonly options: S3EmitterOptions) {
    checkOutputFormat(options, '');
    const { template, fieldDefault } = resolveKeyOptions(options);
    this.scheme = { prefix: options.prefix ?? '', template, fieldDefault, ...batchNaming(options) };
  }

  /** Every object of the batch (one per partition), 8 at a time; acknowledged when all are stored. */
  async emit(batch: Batch): Promise<{ location: string }> {
    let objects: BatchObject[];
    try {
      objects = batchObjects(this.scheme, batch);
    } catch (err) {
      throw new EmitError(`S3 emitter: ${(err as Error).message}`, { retriable: false, cause: err, code: (err as { code?: string }).code });
    }
    return { location: await writeObjects(objects, (o) => this.put(o)) };
  }

  private async put(o: BatchObject): Promise<string> {
    const { body, gzip: gz, contentType } = await batchBody(o.batch, this.options);
    const key = o.key;
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
    return `s3://${this.options.bucket}/${key}`;
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
