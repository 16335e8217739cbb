/**
 * The Buffer of the original: collects transformed records of one shard and cuts a batch when
 * `maxRecords` or `maxBytes` would be crossed (exactly: a batch never holds more than `maxRecords`
 * records, nor more than `maxBytes` bytes unless one record alone is larger), or when `maxAgeMs`
 * has passed since its first record, whichever comes first.
 *
 * A batch covers a contiguous range of the shard's sequence numbers, `firstSeq..lastSeq`,
 * including records that were filtered out or dead-lettered, so checkpointing `lastSeq` after the
 * batch is stored skips nothing that was not handled.
 */
import type { TransformResult } from '../threads/protocol.js';

export interface BufferLimits {
  /** @defaultValue 500 */
  maxRecords: number;
  /** @defaultValue 1048576 */
  maxBytes: number;
  /** @defaultValue 1000 */
  maxAgeMs: number;
}

export interface FlushedBatch {
  firstSeq: string;
  lastSeq: string;
  count: number;
  bytes: number;
  /** Records back to back, each ending with "\n"; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: ArrayBuffer;
  offsets: Uint32Array;
  /** Sequence number of each record in the batch. */
  sequenceNumbers: string[];
}

interface Segment {
  data: Uint8Array;
  /** count+1 offsets into the window's data; the segment is `data` = window[offsets[0] .. offsets[count]). */
  offsets: Uint32Array;
}

const EMPTY = new ArrayBuffer(0);

export class RecordBuffer {
  private segments: Segment[] = [];
  private seqs: string[] = [];
  private count = 0;
  private bytes = 0;
  private firstSeq: string | null = null;
  private lastSeq: string | null = null;
  private startedAt = 0;

  constructor(private readonly limits: BufferLimits, private readonly now: () => number = Date.now) {}

  /** Records held (kept records only). */
  get size(): number {
    return this.count;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** True when records were consumed since the last cut (even if all were filtered out). */
  get hasPending(): boolean {
    return this.firstSeq !== null;
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
   * Adds one transformed window, given the window's sequence numbers (all records, kept or not).
   * Returns the batches cut on count or bytes while adding, oldest first.
   */
  add(sequenceNumbers: readonly string[], result: Pick<TransformResult, 'data' | 'offsets' | 'keptIndex'>): FlushedBatch[] {
    const cut: FlushedBatch[] = [];
    const data = new Uint8Array(result.data);
    const { offsets, keptIndex } = result;
    const kept = keptIndex.length;
    let j = 0;
    let segStart = 0;
    const closeSegment = (end: number) => {
      if (end > segStart) this.segments.push({ data: data.subarray(offsets[segStart], offsets[end]), offsets: offsets.subarray(segStart, end + 1) });
      segStart = end;
    };
    for (let i = 0; i < sequenceNumbers.length; i++) {
      const seq = sequenceNumbers[i];
      if (this.firstSeq === null) {
        this.firstSeq = seq;
        this.startedAt = this.now();
      }
      if (j < kept && keptIndex[j] === i) {
        const len = offsets[j + 1] - offsets[j];
        if (this.count > 0 && this.bytes + len > this.limits.maxBytes) {
          closeSegment(j);
          cut.push(this.cut());
          this.firstSeq = seq;
          this.startedAt = this.now();
        }
        this.count++;
        this.bytes += len;
        this.seqs.push(seq);
        j++;
        if (this.count >= this.limits.maxRecords) {
          closeSegment(j);
          this.lastSeq = seq;
          cut.push(this.cut());
          continue;
        }
      }
      this.lastSeq = seq;
    }
    closeSegment(j);
    return cut;
  }

  /** Cuts whatever is pending (possibly zero records, to move the checkpoint past filtered ones). */
  flush(): FlushedBatch | null {
    return this.hasPending ? this.cut() : null;
  }

  private cut(): FlushedBatch {
    const count = this.count;
    const offsets = new Uint32Array(count + 1);
    let data = EMPTY;
    if (count > 0) {
      const out = new Uint8Array(this.bytes);
      let pos = 0;
      let r = 0;
      for (const seg of this.segments) {
        const base = seg.offsets[0];
        const n = seg.offsets.length - 1;
        for (let k = 0; k < n; k++) offsets[r++] = pos + seg.offsets[k] - base;
        out.set(seg.data, pos);
        pos += seg.data.byteLength;
      }
      offsets[count] = pos;
      data = out.buffer;
    }
    const batch: FlushedBatch = { firstSeq: this.firstSeq!, lastSeq: this.lastSeq!, count, bytes: this.bytes, data, offsets, sequenceNumbers: this.seqs };
    this.segments = [];
    this.seqs = [];
    this.count = 0;
    this.bytes = 0;
    this.firstSeq = null;
    return batch;
  }
}
