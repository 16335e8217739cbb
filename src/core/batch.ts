/**
 * A batch: what the buffer cuts, an emitter actor stores and the checkpoint moves past. One type
 * from the buffer to the sink; its buffers are moved between threads, never copied.
 */

/** A flushed buffer of one shard's transformed records. */
export interface Batch {
  shardId: string;
  /**
   * The range of the shard the batch covers, `firstSeq..lastSeq`, including records filtered out
   * or dead-lettered, so checkpointing `lastSeq` once the batch is stored skips nothing unhandled.
   */
  firstSeq: string;
  lastSeq: string;
  /** Records in the batch (kept records only; 0 when everything in the range was filtered). */
  count: number;
  /** Records back to back, each followed by "\n"; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: Uint8Array;
  offsets: Uint32Array;
  /**
   * The sequence number of each record, packed (latin1 digits back to back): record i's is
   * `seqs[seqOffsets[i] .. seqOffsets[i+1])`. Read it with {@link sequenceNumberAt}.
   */
  seqs: Uint8Array;
  seqOffsets: Uint32Array;
  /** When the batch was cut, ms since the epoch. */
  createdAt: number;
  /**
   * Approximate arrival time of the batch's first record, ms since the epoch: dates the object key
   * of a batch without partitions (`batchKey`: `s3-manifest`, `redshift*`), so a batch read again
   * after a crash or a replay gets the same key. Absent or NaN when unknown (then `createdAt` dates
   * it). With partitions, each record's own arrival is in its partition.
   */
  firstArrival?: number;
  /**
   * With a key template that has per-record parts: the distinct partitions of the batch's records
   * (values of those parts, encoded, joined with `|`) and the partition of each record (an index
   * into `partitions`). The `s3` and `file` emitters write one object per partition.
   */
  partitions?: string[];
  partitionOf?: Uint32Array;
}

/** The sequence number of record `i` of a batch. */
export function sequenceNumberAt(batch: Pick<Batch, 'seqs' | 'seqOffsets'>, i: number): string {
  const { seqs, seqOffsets } = batch;
  return Buffer.from(seqs.buffer, seqs.byteOffset, seqs.byteLength).toString('latin1', seqOffsets[i], seqOffsets[i + 1]);
}

/** Every record's sequence number, in order. */
export function sequenceNumbers(batch: Pick<Batch, 'seqs' | 'seqOffsets'>): string[] {
  const out = new Array<string>(batch.seqOffsets.length - 1);
  for (let i = 0; i < out.length; i++) out[i] = sequenceNumberAt(batch, i);
  return out;
}

/** Packs sequence numbers the way a batch holds them (for emitters used directly and for tests). */
export function packSequenceNumbers(values: readonly string[]): { seqs: Uint8Array; seqOffsets: Uint32Array } {
  let size = 0;
  for (const v of values) size += v.length;
  const seqs = Buffer.allocUnsafeSlow(size);
  const seqOffsets = new Uint32Array(values.length + 1);
  let pos = 0;
  for (let i = 0; i < values.length; i++) {
    seqOffsets[i] = pos;
    pos += seqs.write(values[i], pos, 'latin1');
  }
  seqOffsets[values.length] = pos;
  return { seqs: new Uint8Array(seqs.buffer, 0, pos), seqOffsets };
}

/** The buffers a batch owns, for a transfer list. */
export function batchTransferables(batch: Batch): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>([batch.data.buffer as ArrayBuffer, batch.offsets.buffer as ArrayBuffer,
    batch.seqs.buffer as ArrayBuffer, batch.seqOffsets.buffer as ArrayBuffer]);
  if (batch.partitionOf) out.add(batch.partitionOf.buffer as ArrayBuffer);
  return [...out].filter((b) => b.byteLength > 0);
}

/**
 * A batch of no records covering `seq` alone: nothing to store, but once the batches before it are
 * stored the checkpoint may move to `seq` (a record that was dead-lettered before any window).
 */
export function emptyBatch(shardId: string, seq: string, createdAt = Date.now()): Batch {
  const none = new Uint8Array(0);
  return { shardId, firstSeq: seq, lastSeq: seq, count: 0, data: none, offsets: new Uint32Array(1), seqs: none, seqOffsets: new Uint32Array(1), createdAt };
}
