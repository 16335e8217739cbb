/**
 * The partitions of the pending batch (key templates with per-record parts): each kept record's
 * partition re-based from its window's dictionary to the batch's own, and whether a record would
 * open one partition more than `buffer.maxOpenPartitions` allows (the buffer then cuts before it).
 */
import type { Batch } from '../core/batch.js';

export class BatchPartitions {
  private readonly index = new Map<string, number>();
  private values: string[] = [];
  private of: number[] = [];
  private windowValues: readonly string[] = [];
  /** Window partition → batch partition, -1 while not seen in this batch. */
  private local = new Int32Array(0);
  /** True once a window with partitions came: batches carry partitions from then on. */
  private active = false;

  constructor(private readonly maxOpen: number) {}

  /** The dictionary of the window whose outputs come next (absent: no partitions). */
  startWindow(partitions: readonly string[] | undefined): void {
    if (partitions === undefined) return;
    this.active = true;
    this.windowValues = partitions;
    this.local = new Int32Array(partitions.length).fill(-1);
  }

  /** True when an output of window partition `p` would open a partition past the limit. */
  wouldOverflow(p: number): boolean {
    if (!this.active || this.local[p] >= 0) return false;
    return this.values.length >= this.maxOpen && !this.index.has(this.windowValues[p]);
  }

  /** Records one kept output of window partition `p`. */
  add(p: number): void {
    if (!this.active) return;
    let b = this.local[p];
    if (b < 0) {
      const value = this.windowValues[p];
      b = this.index.get(value) ?? -1;
      if (b < 0) {
        b = this.values.push(value) - 1;
        this.index.set(value, b);
      }
      this.local[p] = b;
    }
    this.of.push(b);
  }

  /** The pending batch's partitions (nothing without partitions), and a fresh start for the next batch. */
  take(): Pick<Batch, 'partitions' | 'partitionOf'> {
    if (!this.active) return {};
    const taken = { partitions: this.values, partitionOf: Uint32Array.from(this.of) };
    this.values = [];
    this.of = [];
    this.index.clear();
    this.local.fill(-1);
    return taken;
  }
}
