/**
 * A shard actor's bookkeeping of its stored batches. Emits may finish out of order; the shard's
 * checkpoint may only move to the last sequence number of the highest batch below which every
 * batch has been acknowledged, and to SHARD_END once the end was reached and every batch is stored.
 */
import { SHARD_END } from '../core/sequence.js';

export class ShardAcks {
  private pending = new Map<number, string>();
  private next = 0;
  private endAfter: number | null = null;
  /** The sequence number the checkpoint may move to (null: nothing new since the start). */
  committable: string | null = null;

  /** Records batch `batchNo` as stored. Returns true when the committable position moved. */
  ack(batchNo: number, lastSeq: string): boolean {
    if (batchNo < this.next || this.pending.has(batchNo)) return false;
    this.pending.set(batchNo, lastSeq);
    let moved = false;
    while (this.pending.has(this.next)) {
      this.committable = this.pending.get(this.next)!;
      this.pending.delete(this.next);
      this.next++;
      moved = true;
    }
    return moved;
  }

  /** The actor reached the end of a closed shard after producing `batches` batches. */
  ended(batches: number): void {
    this.endAfter = batches;
  }

  /** True once the shard ended and all its batches are acknowledged: SHARD_END may be written. */
  get finished(): boolean {
    return this.endAfter !== null && this.next >= this.endAfter;
  }

  /** What to write as the checkpoint now: SHARD_END when finished, else the committable sequence. */
  target(): string | null {
    return this.finished ? SHARD_END : this.committable;
  }

  /** Batches acknowledged in order so far (0 .. acknowledged-1). */
  get acknowledged(): number {
    return this.next;
  }

  /** Batches acknowledged out of order and still waiting for an earlier one. */
  get waiting(): number {
    return this.pending.size;
  }
}
