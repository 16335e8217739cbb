/** The Emitter of the original: stores one flushed batch in a sink. */
import type { Batch } from '../core/batch.js';
import { confinedKey } from '../core/confined-path.js';
import { checkShardId } from '../core/shard-id.js';

/**
 * One attempt at storing a batch. Retries are not the emitter's business: the emitter thread makes
 * the attempts (one budget per batch, see {@link emitWithRetry}); an emitter that stores part of a
 * batch before failing (PutRecords with failed entries, an object stored before its manifest
 * record) notes in `memo` what is done, so the next attempt does only the rest.
 */
export interface EmitAttempt {
  /** 0 for the first call with this batch, then 1, 2, … */
  readonly number: number;
  /** Kept across the attempts at one batch, empty at the first. */
  readonly memo: Map<string, unknown>;
}

export interface Emitter {
  /**
   * Stores the batch durably and resolves with where it went. Must be safe to call twice with the
   * same batch (a batch is re-emitted after a crash). Rejects with an error naming the sink, whose
   * `retriable` flag says whether another attempt may succeed.
   */
  emit(batch: Batch, attempt?: EmitAttempt): Promise<{ location: string }>;
  /**
   * The start-up check, run once before any shard is read (on a short-lived emitter, closed after):
   * the sink is reachable and this emitter may write to it. Rejects with a `SinkCheckError` naming
   * the sink, the setting and the service's error. Optional: a sink without one is not checked.
   */
  check?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The name of the object the start-up check of every emitter that writes to S3 puts under its
 * prefix (`<prefix>_kinesis-connectors-write-check`), empty, overwritten on every start and never
 * deleted (an emitter needs no delete permission). The leading `_` hides it from Hive, Athena and
 * Spark; an empty object adds no row to a Redshift COPY by prefix.
 */
export const WRITE_CHECK_NAME = '_kinesis-connectors-write-check';

/** The key of the start-up check's probe object under `prefix`. */
export function writeCheckKey(prefix: string): string {
  return `${prefix}${WRITE_CHECK_NAME}`;
}

/**
 * `<prefix><yyyy>/<mm>/<dd>/<shardId>/<firstSeq>-<lastSeq><extension>[.gz]` (`extension` is ""
 * for NDJSON, ".parquet" for Parquet), dated in UTC by the arrival of the batch's first record
 * (its cut time when that is unknown): the same batch gets the same key whenever it is written. Throws a non-retriable ConnectorError when the shard id is not a shard id (`BAD_SHARD_ID`)
 * or a part would not be one key segment under the prefix (`PATH_ESCAPE`, see {@link confinedKey}).
 */
export function batchKey(prefix: string, batch: Pick<Batch, 'shardId' | 'firstSeq' | 'lastSeq' | 'createdAt' | 'firstArrival'>, gzip: boolean, extension = ''): string {
  const d = new Date(Number.isFinite(batch.firstArrival) ? batch.firstArrival! : batch.createdAt);
  const yyyy = d.getUTCFullYear();
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const shardId = checkShardId(batch.shardId, 'a batch', 'it is not stored');
  return confinedKey(prefix, String(yyyy), mm, dd, shardId, `${batch.firstSeq}-${batch.lastSeq}${extension}${gzip ? '.gz' : ''}`);
}
