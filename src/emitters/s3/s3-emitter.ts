/** S3Emitter: one object per batch at a deterministic key, so a re-emitted batch overwrites itself. */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Batch } from '../../core/batch.js';
import { batchKey, type Emitter } from '../emitter.js';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';

const gzip = promisify(gzipCb);

export interface S3EmitterOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix, such as "clicks/". @defaultValue '' */
  prefix?: string;
  /** Compress each object and append ".gz" to its key. @defaultValue false */
  gzip?: boolean;
}

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

  async close(): Promise<void> {
    this.options.client.destroy();
  }
}
