/**
 * Which shards this process reads. With a store that has leases (Redis), the shards whose leases
 * it holds, through a LeaseCoordinator; with one that has none (the file store), every shard, and
 * the store itself refuses a second process (see `FileCheckpointStore.open`).
 *
 * It keeps the registry in step with the leases: a taken lease re-reads the shard's checkpoint
 * (the previous owner may have moved it) before the pipeline starts the shard; a lost one makes the
 * pipeline stop its actor at once; a view from the store marks shards that other workers finished,
 * so children wait on their parents whoever read them.
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { LeaseFence, LeaseView } from '../checkpoint/lease-store.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { SHARD_END } from '../core/sequence.js';
import { LeaseCoordinator, type LeaseOptions } from './lease-coordinator.js';
import type { ShardEntry, ShardRegistry } from './shard-registry.js';

export interface OwnershipEvents {
  /** A shard became this worker's and its checkpoint is fresh: start it when it may start. */
  acquired(s: ShardEntry): void;
  /** A shard is no longer this worker's: stop its actor now, without a drain. */
  lost(s: ShardEntry, reason: string): void;
  /** A shard was found finished (its checkpoint is SHARD_END). */
  finished(s: ShardEntry): void;
}

/** What `Pipeline.stats()` says of this worker. */
export interface WorkerStats {
  id: string;
  /** True when shards are shared with other workers through leases. */
  leases: boolean;
  /** The shards this worker holds (every listed, unfinished shard without leases). */
  owned: string[];
  /** Live workers at the latest round (this one alone without leases). */
  liveWorkers: string[];
  leaseRounds: number;
  leasesTaken: number;
  leasesStolen: number;
  leasesLost: number;
  leasesReleased: number;
}

export class ShardOwnership {
  readonly coordinator: LeaseCoordinator | undefined;
  private timer: NodeJS.Timeout | undefined;
  private releasing: Promise<void> | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly registry: ShardRegistry,
    readonly workerId: string,
    private readonly options: LeaseOptions,
    private readonly logger: Logger,
    private readonly events: OwnershipEvents,
  ) {
    if (store.leases) {
      this.coordinator = new LeaseCoordinator(store.leases, workerId, options, logger, {
        acquired: (id) => void this.onAcquired(id),
        lost: (id, reason) => this.onLost(id, reason),
        viewed: (view) => this.onViewed(view),
      });
    }
  }

  /** True when this worker may read the shard now. */
  owns(s: ShardEntry): boolean {
    return this.coordinator ? this.coordinator.owns(s.shardId) : true;
  }

  /**
   * True when the shard is this worker's or may become so (its lease is free, or its holder has
   * not been seen renewing it: it may have died). A shard another live worker reads is that
   * worker's business, not this one's idleness.
   */
  mayRead(s: ShardEntry): boolean {
    return !this.coordinator?.heldByLiveWorker(s.shardId);
  }

  /** The fence a checkpoint write carries; null when this worker must not write the shard. */
  fence(shardId: string): LeaseFence | undefined | null {
    if (!this.coordinator) return undefined;
    return this.coordinator.fence(shardId) ?? null;
  }

  /** Opens the store, deletes leases of shards no longer listed, and runs the first round. */
  async start(listed: readonly string[]): Promise<void> {
    await this.store.open?.();
    const leases = this.store.leases;
    if (!this.coordinator || !leases) return;
    const known = new Set(listed);
    await this.forget((await leases.leasedShards()).filter((id) => !known.has(id)));
    await this.round();
    this.timer = setInterval(() => void this.round(), this.options.renewIntervalMs);
  }

  /** Deletes the leases of shards that left the stream (a live holder's are kept). */
  async forget(shardIds: string[]): Promise<void> {
    if (!this.store.leases || shardIds.length === 0) return;
    try {
      const deleted = await this.store.leases.forget(shardIds);
      if (deleted > 0) this.logger.info({ deleted, shards: shardIds.length }, 'deleted the leases of shards no longer in the stream');
    } catch (err) {
      this.logger.error({ error: describeError(err) }, 'deleting leases of shards no longer in the stream failed; will retry at the next discovery');
    }
  }

  round(): Promise<void> {
    if (!this.coordinator) return Promise.resolve();
    return this.coordinator.round(() => {
      const open = [...this.registry.values()].filter((s) => s.state !== 'finished' && this.registry.isListed(s.shardId));
      return {
        shardIds: open.map((s) => s.shardId),
        candidates: new Set(open.filter((s) => this.registry.parentsFinished(s)).map((s) => s.shardId)),
      };
    });
  }

  private async onAcquired(shardId: string): Promise<void> {
    const s = this.registry.get(shardId);
    if (!s) return;
    try {
      // The previous owner may have committed after this round's view.
      this.registry.resetTo(s, await this.store.get(shardId));
    } catch (err) {
      this.logger.error({ shardId, error: describeError(err) }, 'reading the checkpoint of a taken lease failed; giving the lease back');
      await this.coordinator!.release(shardId).catch(() => undefined);
      return;
    }
    if (!this.coordinator!.owns(shardId)) return;
    if (s.committed === SHARD_END) {
      this.events.finished(s);
      return;
    }
    this.events.acquired(s);
  }

  private onLost(shardId: string, reason: string): void {
    const s = this.registry.get(shardId);
    if (s) this.events.lost(s, reason);
  }

  private onViewed(view: LeaseView): void {
    for (const lease of view.shards) {
      const s = this.registry.get(lease.shardId);
      if (!s || this.coordinator!.owns(s.shardId) || s.state === 'finished') continue;
      // Another worker's progress: shown in stats, and its SHARD_END lets children start.
      this.registry.resetTo(s, lease.checkpoint);
      if (lease.checkpoint === SHARD_END && s.state === 'waiting') this.events.finished(s);
    }
  }

  /** A shard this worker read to its end is finished: its lease goes back at once. */
  async finished(s: ShardEntry): Promise<void> {
    await this.coordinator?.release(s.shardId).catch((err: unknown) => {
      this.logger.error({ shardId: s.shardId, error: describeError(err) }, 'releasing the lease of a finished shard failed; it expires instead');
    });
  }

  /**
   * A graceful stop begins: rounds go on renewing the leases held (a long drain must not let them
   * expire under the final commit) but take nothing more.
   */
  stopTaking(): void {
    this.coordinator?.stopTaking();
  }

  /**
   * After the final commit (or a failed start-up): stops the rounds, gives every lease back and
   * leaves the worker registry. Once: later calls return the same promise.
   */
  release(): Promise<void> {
    this.releasing ??= this.close().then(() => this.coordinator?.releaseAll());
    return this.releasing;
  }

  /** Stops the rounds; leases not released expire. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.coordinator?.halt();
  }

  stats(): WorkerStats {
    const c = this.coordinator;
    const owned = c ? c.owned() : [...this.registry.values()].filter((s) => s.state !== 'finished').map((s) => s.shardId);
    return {
      id: this.workerId, leases: c !== undefined, owned,
      liveWorkers: c?.lastView ? c.lastView.workers.map((w) => w.id) : [this.workerId],
      leaseRounds: c?.counts.rounds ?? 0, leasesTaken: c?.counts.taken ?? 0, leasesStolen: c?.counts.stolen ?? 0,
      leasesLost: c?.counts.lost ?? 0, leasesReleased: c?.counts.released ?? 0,
    };
  }
}
