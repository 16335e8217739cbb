/**
 * The dead-letter sink of `deadLetter.s3`: one object per write (the failures of one window) at
 * `<prefix><shardId>/<firstSequenceNumber>-<lastSequenceNumber>.ndjson`, the same NDJSON lines as the
 * file sink. The key derives from the window's records, so a window dead-lettered again after a crash
 * overwrites its object instead of adding another. Retriable S3 errors are retried with backoff; a
 * write that still fails rejects, which fails the shard actor before its batch can be acknowledged.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { retry, type BackoffOptions } from '../core/backoff.js';
import { confinedKey } from '../core/confined-path.js';
import { ConnectorError, describeServiceError, isPermanent, isRetriable } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkShardId } from '../core/shard-id.js';
import { deadLetterLines, type DeadLetterEntry, type DeadLetterSink } from './dead-letter-sink.js';
import { s3Sdk } from '../aws/sdk-modules.js';

const { PutObjectCommand } = s3Sdk();

export interface S3DeadLetterSinkOptions {
  /** The sink owns the client and destroys it on close. */
  client: S3Client;
  bucket: string;
  /** Key prefix, such as "dead-letter/". @defaultValue '' */
  prefix?: string;
  /** PutObject attempts of one write, the first included. @defaultValue 8 */
  attempts?: number;
  /** The waits between attempts. @defaultValue { baseMs: 100, maxMs: 30000 } */
  backoff?: Partial<BackoffOptions>;
  /** Told of each retry. */
  logger?: Logger;
}

export const S3_DEAD_LETTER_ATTEMPTS = 8;

export class S3DeadLetterSink implements DeadLetterSink {
  constructor(private readonly options: S3DeadLetterSinkOptions) {}

  /**
   * The key of a write: `<prefix><shardId>/<firstSequenceNumber>-<lastSequenceNumber>.ndjson`. Throws a
   * non-retriable ConnectorError when `shardId` is not a shard id (`BAD_SHARD_ID`) or a part would
   * not be one key segment (`PATH_ESCAPE`).
   */
  key(shardId: string, entries: Pick<DeadLetterEntry, 'sequenceNumber'>[]): string {
    const shard = checkShardId(shardId, 'a dead-letter write', 'nothing is written');
    return confinedKey(this.options.prefix ?? '', shard, `${entries[0].sequenceNumber}-${entries[entries.length - 1].sequenceNumber}.ndjson`);
  }

  location(shardId: string): string {
    return `s3://${this.options.bucket}/${this.options.prefix ?? ''}${shardId}/`;
  }

  async write(shardId: string, entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const { client, bucket, logger } = this.options;
    const key = this.key(shardId, entries);
    const body = Buffer.from(deadLetterLines(entries));
    const attempts = this.options.attempts ?? S3_DEAD_LETTER_ATTEMPTS;
    try {
      await retry(() => client.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentType: 'application/x-ndjson',
      })), {
        attempts,
        ...this.options.backoff,
        onRetry: (err, attempt, delayMs) => logger?.warn({ shardId, bucket, key, attempt, delayMs, error: describeServiceError(err) },
          'dead-letter write to S3 failed; retrying'),
      });
    } catch (err) {
      // The actor fails and is restarted (with backoff) from its checkpoint, so the window is read and
      // dead-lettered again; `permanent` (a missing bucket, access denied) only changes the log line.
      throw new ConnectorError(`writing ${entries.length} dead-letter record(s) to s3://${bucket}/${key} failed` +
        `${isRetriable(err) ? ` after ${attempts} attempt(s)` : ''}: ${describeServiceError(err)}`,
      { code: 'DEAD_LETTER_FAILED', retriable: true, permanent: isPermanent(err), cause: err });
    }
  }

  close(): Promise<void> {
    this.options.client.destroy();
    return Promise.resolve();
  }
}
