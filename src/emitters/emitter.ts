/** The Emitter of the original: stores one flushed batch in a sink. */

export interface EmitterBatch {
  shardId: string;
  firstSeq: string;
  lastSeq: string;
  count: number;
  /** Records back to back, each followed by "\n"; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: Uint8Array;
  offsets: Uint32Array;
  /** Sequence number of each record (for sinks that key rows by shard and sequence). */
  sequenceNumbers: string[];
  /** When the batch was cut (ms since the epoch): dates the object key. */
  createdAt: number;
}

export interface Emitter {
  /**
   * Stores the batch durably and resolves with where it went. Must be safe to call twice with the
   * same batch (a batch is re-emitted after a crash). Rejects with an error naming the sink.
   */
  emit(batch: EmitterBatch): Promise<{ location: string }>;
  close(): Promise<void>;
}

/** `<prefix><yyyy>/<mm>/<dd>/<shardId>/<firstSeq>-<lastSeq>[.gz]`, dated in UTC: deterministic per batch. */
export function batchKey(prefix: string, batch: Pick<EmitterBatch, 'shardId' | 'firstSeq' | 'lastSeq' | 'createdAt'>, gzip: boolean): string {
  const d = new Date(batch.createdAt);
  const yyyy = d.getUTCFullYear();
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${prefix}${yyyy}/${mm}/${dd}/${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}${gzip ? '.gz' : ''}`;
}
