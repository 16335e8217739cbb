/**
 * The Buffer of the original: collects transformed records of one shard and cuts a batch when
 * `maxRecords` or `maxBytes` would be crossed (exactly: a batch never holds more than `maxRecords`
 * records, nor more than `maxBytes` bytes unless one record alone is larger), or when `maxAgeMs`
 * has passed since its first record, whichever comes first. With partitions (a key template with
 * per-record parts), it also cuts before a record that would open partition `maxOpenPartitions + 1`
 * of the batch: a cut that falls in the same place again, like one on count.
 *
 * A batch covers a contiguous range of the shard's sequence numbers, `firstSeq..lastSeq`,
 * including records that were filtered out or dead-lettered, so checkpointing `lastSeq` after the
 * batch is stored skips nothing that was not handled. Sequence numbers stay packed as the window
 * carried them; a cut copies the kept records' bytes and decodes only `firstSeq` and `lastSeq`.
 */
import { DEFAULTS } from '../config/defaults.js';
import type { Batch } from '../core/batch.js';
import { sequenceNumberOf, type TransformResult, type WindowKeys } from '../core/records.js';
import { compareSequence } from '../core/sequence.js';
import { BatchPartitions } from './batch-partitions.js';

export interface BufferLimits {
  /** @defaultValue 500 */
  maxRecords: number;
  /** @defaultValue 1048576 */
  maxBytes: number;
  /** @defaultValue 1000 */
  maxAgeMs: number;
  /**
   * Cut before a record whose partition (see `Batch.partitions`) would be one more than this in
   * the batch. @defaultValue 500
   */
  maxOpenPartitions?: number;
}

/** What the buffer needs of a transformed window. */
export type BufferInput = Pick<TransformResult, 'data' | 'offsets' | 'keptIndex' | 'keys' | 'keyOffsets' | 'arrivals' | 'partitions' | 'partitionOf'>;

/** A run of kept records of one window that belong to the pending batch. */
interface Segment {
  /** The outputs: `data` = window output bytes [offsets[0] .. offsets[count]). */
  data: Uint8Array;
  offsets: Uint32Array;
  /** Window index of each output in the segment. */
  kept: Uint32Array;
  keys: Uint8Array;
  keyOffsets: Uint32Array;
  /** The segment is every output of its window: a batch of this segment alone can take its memory as it is. */
  whole: boolean;
}

/** A record's place: window keys and index (decoded only when a batch is cut). */
interface Position {
  keys: WindowKeys;
  index: number;
}

const EMPTY = new Uint8Array(0);

export class RecordBuffer {
  private segments: Segment[] = [];
  private count = 0;
  private bytes = 0;
  private seqBytes = 0;
  private first: Position | null = null;
  private last: Position | null = null;
  private startedAt = 0;
  /** Boundaries to cut at again (see `replay`), ascending; the next one first. */
  private forced: string[] = [];
  private readonly partitions: BatchPartitions;

  constructor(private readonly limits: BufferLimits, private readonly now: () => number = Date.now) {
    this.partitions = new BatchPartitions(limits.maxOpenPartitions ?? DEFAULTS.buffer.maxOpenPartitions);
  }

  /**
   * Boundaries an earlier actor cut by age or at a stop (journaled before their batches were
   * written): the buffer cuts right after each of these records again, so every batch it cuts
   * until the last of them is the batch that was cut before. Cuts on count and bytes need no
   * journal: from the same first record, they fall where they fell.
   */
  replay(boundaries: readonly string[]): void {
    this.forced = [...boundaries].sort(compareSequence);
  }

  /**
   * True while a journaled boundary is still ahead: the pending batch must not be cut by age or at
   * a stop, or it would end where no earlier batch ended and overlap one that may be stored.
   */
  get replaying(): boolean {
    return this.forced.length > 0;
  }

  /** Records held (kept records only). */
  get size(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** True when records were consumed since the last cut (even if all were filtered out). */
  get hasPending(): boolean {
    return this.first !== null;
  }

  /** Milliseconds since the first record of the pending batch was consumed. */
  age(): number {
    return this.hasPending ? this.now() - this.startedAt : 0;
  }

  /** True when the pending batch is old enough to flush on age. */
  isDue(): boolean {
    return this.hasPending && this.age() >= this.limits.maxAgeMs;
  }

  /**
   * Adds one transformed window of `shardId` (every record of the window counts towards the range,
   * kept or not). Returns the batches cut on count or bytes while adding, oldest first.
   */
  add(shardId: string, result: BufferInput): Batch[] {
    const cut: Batch[] = [];
    const data = new Uint8Array(result.data);
    const keys = new Uint8Array(result.keys);
    const { offsets, keptIndex, keyOffsets, partitionOf } = result;
    this.partitions.startWindow(result.partitions);
    const records = keyOffsets.length >> 1;
    const kept = keptIndex.length;
    let j = 0;
    let segStart = 0;
    const closeSegment = (end: number) => {
      if (end > segStart) {
        this.segments.push({
          data: data.subarray(offsets[segStart], offsets[end]), offsets: offsets.subarray(segStart, end + 1),
          kept: keptIndex.subarray(segStart, end), keys, keyOffsets, whole: segStart === 0 && end === kept && offsets.length === kept + 1,
        });
      }
      segStart = end;
    };
    for (let i = 0; i < records; i++) {
      if (this.first === null) this.begin(result, i);
      if (j < kept && keptIndex[j] === i) {
        const len = offsets[j + 1] - offsets[j];
        const partition = partitionOf?.[j] ?? 0;
        if (this.count > 0 && (this.bytes + len > this.limits.maxBytes || this.partitions.wouldOverflow(partition))) {
          closeSegment(j);
          cut.push(this.cut(shardId));
          this.begin(result, i);
        }
        this.count++;
        this.bytes += len;
        this.partitions.add(partition);
        this.seqBytes += keyOffsets[2 * i + 1] - keyOffsets[2 * i];
        j++;
        if (this.count >= this.limits.maxRecords) {
          closeSegment(j);
          this.last = { keys: result, index: i };
          cut.push(this.cut(shardId));
          continue;
        }
      }
      this.last = { keys: result, index: i };
      if (this.forced.length > 0 && this.reachedForcedCut(result, i)) {
        closeSegment(j);
        cut.push(this.cut(shardId));
      }
    }
    closeSegment(j);
    return cut;
  }

  /**
   * Record i is the next journaled boundary: cut after it. A boundary already passed (the record
   * is gone from the shard, or the transform kept other records than before) is dropped: the
   * batches after it can no longer match the old ones, and holding on would stop age cuts forever.
   */
  private reachedForcedCut(keys: WindowKeys, i: number): boolean {
    const seq = sequenceNumberOf(keys, i);
    while (this.forced.length > 0) {
      const order = compareSequence(seq, this.forced[0]);
      if (order < 0) return false;
      this.forced.shift();
      if (order === 0) return this.hasPending;
    }
    return false;
  }

  /** Cuts whatever is pending (possibly zero records, to move the checkpoint past filtered ones). */
  flush(shardId: string): Batch | null {
    return this.hasPending ? this.cut(shardId) : null;
  }

  private begin(keys: WindowKeys, index: number): void {
    this.first = { keys, index };
    this.startedAt = this.now();
  }

  private cut(shardId: string): Batch {
    const count = this.count;
    const offsets = new Uint32Array(count + 1);
    const seqOffsets = new Uint32Array(count + 1);
    const seqs = count > 0 ? new Uint8Array(this.seqBytes) : EMPTY;
    // A batch that is exactly one window's outputs (a window of maxRecords records, nothing
    // filtered) takes the pool's output memory as it is: its records are not copied again.
    const only = this.segments.length === 1 && this.segments[0].whole ? this.segments[0] : undefined;
    const data: Uint8Array = only ? only.data : count > 0 ? new Uint8Array(this.bytes) : EMPTY;
    let pos = 0;
    let spos = 0;
    let r = 0;
    for (const seg of this.segments) {
      const base = seg.offsets[0];
      for (let k = 0; k < seg.kept.length; k++, r++) {
        offsets[r] = pos + seg.offsets[k] - base;
        const i = seg.kept[k];
        const from = seg.keyOffsets[2 * i];
        const to = seg.keyOffsets[2 * i + 1];
        seqOffsets[r] = spos;
        seqs.set(seg.keys.subarray(from, to), spos);
        spos += to - from;
      }
      if (!only) data.set(seg.data, pos);
      pos += seg.data.byteLength;
    }
    offsets[count] = pos;
    seqOffsets[count] = spos;
    const first = this.first!;
    const last = this.last!;
    const batch: Batch = {
      shardId, firstSeq: sequenceNumberOf(first.keys, first.index), lastSeq: sequenceNumberOf(last.keys, last.index), count,
      data, offsets, seqs, seqOffsets, createdAt: this.now(), firstArrival: first.keys.arrivals[first.index], ...this.partitions.take(),
    };
    this.segments = [];
    this.count = 0;
    this.bytes = 0;
    this.seqBytes = 0;
    this.first = null;
    return batch;
  }
}
