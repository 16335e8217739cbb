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
  close(): Promise<void>;
}

/**
 * `<prefix><yyyy>/<mm>/<dd>/<shardId>/<firstSeq>-<lastSeq>[.gz]`, dated in UTC: deterministic per
 * batch. Throws a non-retriable ConnectorError when the shard id is not a shard id (`BAD_SHARD_ID`)
 * or a part would not be one key segment under the prefix (`PATH_ESCAPE`, see {@link confinedKey}).
 */
export function batchKey(prefix: string, batch: Pick<Batch, 'shardId' | 'firstSeq' | 'lastSeq' | 'createdAt'>, gzip: boolean): string {
  const d = new Date(batch.createdAt);
  const yyyy = d.getUTCFullYear();
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  const shardId = checkShardId(batch.shardId, 'a batch', 'it is not stored');
  return confinedKey(prefix, String(yyyy), mm, dd, shardId, `${batch.firstSeq}-${batch.lastSeq}${gzip ? '.gz' : ''}`);
}
