/**
 * This worker's side of sharing a stream: every `renewIntervalMs` one round renews the leases it
 * holds and reads the view of every shard (one round trip), gives up the leases it lost, then takes
 * and steals what the balance plan says. The pipeline learns of each change through `events`.
 */
import type { LeaseFence, LeaseStore, LeaseView } from '../checkpoint/lease-store.js';
import { describeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { planBalance } from './lease-balance.js';

export interface LeaseOptions {
  durationMs: number;
  renewIntervalMs: number;
  maxStealsPerInterval: number;
}

export interface LeaseEvents {
  /** The lease is this worker's now (token in `fence`): read the shard from its checkpoint. */
  acquired(shardId: string): void;
  /** The lease is no longer this worker's: stop the shard's actor at once. */
  lost(shardId: string, reason: string): void;
  /** What the round saw (checkpoints of shards other workers read included). */
  viewed(view: LeaseView): void;
}

export interface LeaseRoundInput {
  /** Shards the view covers: listed and not finished. */
  shardIds: readonly string[];
  /** Of those, the ones this worker may take (every parent finished). */
  candidates: ReadonlySet<string>;
}

export class LeaseCoordinator {
  private readonly held = new Map<string, number>();
  private lastRenewedAt = Date.now();
  /** When a round last went through (the store answered); 0: never. */
  answeredAt = 0;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Draining: rounds go on renewing what is held, and take nothing. */
  private taking = true;
  /** Counters since start, for stats. */
  readonly counts = { rounds: 0, taken: 0, stolen: 0, lost: 0, released: 0, failedRounds: 0 };
  /** The latest view, for status. */
  lastView: LeaseView | undefined;
  /** Each shard's lease as rounds saw it, and whether its holder renewed it while watched. */
  private readonly watched = new Map<string, { owner: string | null; token: number; expiresAt: number; renewed: boolean }>();

  constructor(
    private readonly store: LeaseStore,
    readonly workerId: string,
    private readonly options: LeaseOptions,
    private readonly logger: Logger,
    private readonly events: LeaseEvents,
  ) {}

  owns(shardId: string): boolean {
    return this.held.has(shardId);
  }

  /** What a checkpoint write of the shard carries; undefined when this worker does not hold it. */
  fence(shardId: string): LeaseFence | undefined {
    const token = this.held.get(shardId);
    return token === undefined ? undefined : { owner: this.workerId, token };
  }

  owned(): string[] {
    return [...this.held.keys()].sort();
  }

  /** One round; a round asked for while one runs waits for it and is skipped. */
  round(input: () => LeaseRoundInput): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.runRound(input).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async runRound(input: () => LeaseRoundInput): Promise<void> {
    const { durationMs, maxStealsPerInterval } = this.options;
    const sentAt = Date.now();
    const { shardIds } = input();
    let result;
    try {
      result = await this.store.renew(this.workerId, durationMs, new Map(this.held), shardIds);
    } catch (err) {
      this.counts.failedRounds++;
      const silentMs = Date.now() - this.lastRenewedAt;
      this.logger.error({ worker: this.workerId, error: describeError(err), sinceRenewalMs: silentMs }, 'lease round failed; will retry');
      // Past its duration a lease may be another worker's: reading on would repeat its work.
      if (silentMs >= durationMs) {
        for (const shardId of this.owned()) this.lose(shardId, `its lease could not be renewed for ${silentMs} ms (lease.durationMs ${durationMs})`);
      }
      return;
    }
    this.lastRenewedAt = sentAt;
    this.answeredAt = Date.now();
    this.counts.rounds++;
    for (const shardId of result.renewed.lost) this.lose(shardId, 'its lease was taken by another worker');
    this.lastView = result.view;
    this.watch(result.view);
    if (this.stopped || !this.taking) return;
    this.events.viewed(result.view);
    // Asked again: the view may have finished parents, which makes their children candidates.
    const plan = planBalance({ me: this.workerId, view: result.view, candidates: input().candidates, maxSteals: maxStealsPerInterval,
      held: new Set(this.held.keys()) });
    const gained = await Promise.all([
      ...plan.take.map(async (t) => ({ shardId: t.shardId, from: undefined, token: await this.store.take(t.shardId, this.workerId, durationMs, t.seenToken) })),
      ...plan.steal.map(async (t) => ({ shardId: t.shardId, from: t.victim, token: await this.store.steal(t.shardId, this.workerId, durationMs, t.victim, t.seenToken) })),
    ].map((p) => p.catch((err: unknown) => {
      this.logger.error({ worker: this.workerId, error: describeError(err) }, 'taking a lease failed; will retry');
      return { shardId: '', from: undefined, token: 0 };
    })));
    for (const { shardId, from, token } of gained) {
      if (token === 0) continue;
      if (this.stopped || !this.taking) {
        // Taken while stopping: give it straight back.
        await this.store.release(this.workerId, new Map([[shardId, token]]), false).catch(() => undefined);
        continue;
      }
      this.held.set(shardId, token);
      if (from === undefined) this.counts.taken++; else this.counts.stolen++;
      this.logger.info({ worker: this.workerId, shardId, token, ...(from ? { from } : {}), target: plan.target },
        from ? 'lease stolen for balance' : 'lease taken');
      this.events.acquired(shardId);
    }
  }

  private watch(view: LeaseView): void {
    for (const l of view.shards) {
      const before = this.watched.get(l.shardId);
      const same = before !== undefined && before.owner === l.owner && before.token === l.token;
      this.watched.set(l.shardId, { owner: l.owner, token: l.token, expiresAt: l.expiresAt, renewed: same && (before.renewed || l.expiresAt > before.expiresAt) });
    }
  }

  /**
   * True when another worker holds the shard's lease and has renewed it while this worker watched:
   * a lease left by a process that died is never renewed, so it does not count until it expires
   * and is taken.
   */
  heldByLiveWorker(shardId: string): boolean {
    const w = this.watched.get(shardId);
    return w !== undefined && w.renewed && w.owner !== this.workerId && this.lastView !== undefined && w.expiresAt > this.lastView.now;
  }

  /** Gives up a lease this worker believed it held, and tells the pipeline. */
  lose(shardId: string, reason: string): void {
    if (!this.held.delete(shardId)) return;
    this.counts.lost++;
    this.logger.warn({ worker: this.workerId, shardId, reason }, 'lease lost; stopping the shard\'s actor (no further emits or commits for it)');
    this.events.lost(shardId, reason);
  }

  /** Releases one lease (its shard is finished). */
  async release(shardId: string): Promise<void> {
    const token = this.held.get(shardId);
    if (token === undefined) return;
    this.held.delete(shardId);
    this.counts.released += await this.store.release(this.workerId, new Map([[shardId, token]]), false);
  }

  /** From now on rounds only renew what is held (a draining worker keeps its leases until it has committed). */
  stopTaking(): void {
    this.taking = false;
  }

  /** Stops the rounds (the leases stay held until `releaseAll` or their expiry). */
  async halt(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }

  /** Gives every lease back and leaves the worker registry, so other workers take them at their next round. */
  async releaseAll(): Promise<void> {
    const held = new Map(this.held);
    this.held.clear();
    this.counts.released += await this.store.release(this.workerId, held, true);
    this.logger.info({ worker: this.workerId, released: held.size }, 'leases released');
  }
}
