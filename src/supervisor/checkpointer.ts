/**
 * Writes each shard's stored position to the checkpoint store: one round at a time, every shard in
 * a round concurrently. A failed write is logged and retried at the next round (nothing is lost; a
 * crash before it repeats some records).
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { LeaseFence } from '../checkpoint/lease-store.js';
import { LeaseLostError, describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { SHARD_END } from '../core/sequence.js';
import type { ShardEntry } from './shard-registry.js';

export class Checkpointer {
  private committing: Promise<void> | undefined;
  private readonly writing = new Map<string, Promise<void>>();
  /** Checkpoints written since start. */
  written = 0;
  /** Writes that failed (a refusal for a lost lease aside). */
  failed = 0;
  /** When the store last answered a write (refusals included), ms since the epoch; 0: never. */
  answeredAt = 0;

  constructor(
    private readonly store: CheckpointStore,
    private readonly logger: Logger,
    /** Called when a shard's checkpoint becomes SHARD_END. */
    private readonly onFinished: (s: ShardEntry) => void,
    /** With leases: what a shard's write carries (null: not this worker's, nothing is written), and who hears of a refusal. */
    private readonly leases?: { fence(shardId: string): LeaseFence | undefined | null; lost(s: ShardEntry, reason: string): void },
  ) {}

  /** Writes one shard's position if it moved past the committed one; one write per shard at a time. */
  commit(s: ShardEntry): Promise<void> {
    // A restart's commit and a round's commit of the same shard must not overlap: both would write
    // (and count) the same position.
    const previous = this.writing.get(s.shardId);
    const next = previous ? previous.then(() => this.write(s)) : this.write(s);
    this.writing.set(s.shardId, next);
    void next.finally(() => {
      if (this.writing.get(s.shardId) === next) this.writing.delete(s.shardId);
    });
    return next;
  }

  private async write(s: ShardEntry): Promise<void> {
    const target = s.position;
    if (target === null || target === s.committed) return;
    const fence = this.leases?.fence(s.shardId);
    if (fence === null) return;
    try {
      s.committed = await this.store.set(s.shardId, target, fence);
      this.answeredAt = Date.now();
      this.written++;
      if (s.committed === SHARD_END) this.onFinished(s);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.answeredAt = Date.now();
        this.leases?.lost(s, err.message);
        return;
      }
      this.failed++;
      this.logger.error({ shardId: s.shardId, checkpoint: target, error: describeError(err) },
        'checkpoint commit failed; will retry (nothing is lost, records may repeat after a crash)');
    }
  }

  /**
   * Commits every shard. Serialised: a call during a round runs another round after it. A shard
   * with nothing new and no write under way costs nothing (1,000 idle shards, a round a second).
   */
  commitAll(shards: () => Iterable<ShardEntry>): Promise<void> {
    if (this.committing) return this.committing.then(() => this.commitAll(shards));
    const due: Array<Promise<void>> = [];
    for (const s of shards()) if (!Checkpointer.upToDate(s) || this.writing.has(s.shardId)) due.push(this.commit(s));
    this.committing = Promise.all(due).then(() => undefined)
      .finally(() => { this.committing = undefined; });
    return this.committing;
  }

  /** True when every shard's stored position is committed. */
  static upToDate(s: ShardEntry): boolean {
    return s.position === null || s.position === s.committed;
  }
}
