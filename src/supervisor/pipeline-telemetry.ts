/**
 * The pipeline's side of the endpoints (`src/http/`): builds the snapshot they read from the
 * registry, the ownership, the threads and the checkpointer; counts what happens once (restarts by
 * code, shards failing, the store's answers, threads' event-loop delays); and starts and stops the
 * server when `http.port` is set. Per-record work stays in the threads: what comes here is the
 * stats and progress events they already send.
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import type { ResolvedConfig } from '../config/config.js';
import { ConnectorError, describeError, isPermanent } from '../core/errors.js';
import type { Metrics } from '../http/metrics.js';
import type { StatusServer } from '../http/server.js';
import type { LoopDelay, ShardRow, TelemetrySnapshot, TelemetrySource } from '../http/snapshot.js';
import type { LoopDelayEvent } from '../threads/protocol.js';
import type { Checkpointer } from './checkpointer.js';
import { isHeld } from './lease-balance.js';
import type { ShardOwnership } from './shard-ownership.js';
import type { ShardEntry, ShardRegistry } from './shard-registry.js';
import type { ThreadManager } from './thread-manager.js';

export interface TelemetryDeps {
  config: ResolvedConfig;
  registry: ShardRegistry;
  ownership: ShardOwnership;
  threads: ThreadManager;
  checkpointer: Checkpointer;
  store: CheckpointStore;
  /** The pipeline's own state and its `stats()`. */
  state(): { running: boolean; stopped: boolean; stats: object };
}

export class PipelineTelemetry implements TelemetrySource {
  /** The metrics, with the endpoints only (prom-client is not even loaded without them). */
  metrics: Metrics | undefined;
  private server: StatusServer | undefined;
  private serving: Promise<string | undefined> | undefined;
  private readonly restarts = new Map<string, { code: string; permanent: boolean; count: number }>();
  private readonly permanentFailure = new Set<string>();
  private readonly loopDelays: Record<string, LoopDelay> = {};
  /** Shards whose actors failed and have not stored anything since, with what they had stored then. */
  private readonly failing = new Map<string, { since: number; emitted: number; position: string | null }>();
  private storeAnsweredAt = 0;
  private storeError: string | null = null;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(private readonly deps: TelemetryDeps) {}

  /** `http://host:port` once the endpoints listen. */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** Starts the endpoints when `http.port` is set; resolves with their URL. Once: later calls return the same promise. */
  serve(): Promise<string | undefined> {
    this.serving ??= this.listen();
    return this.serving;
  }

  private async listen(): Promise<string | undefined> {
    const { port, host, unreadyAfterMs, checkpointStaleMs } = this.deps.config.http;
    if (port === undefined) return undefined;
    const [{ Metrics }, { StatusServer }] = await Promise.all([import('../http/metrics.js'), import('../http/server.js')]);
    this.metrics = new Metrics({ app: this.deps.config.app, stream: this.deps.config.stream }, this.deps.ownership.workerId);
    this.server = new StatusServer(this, this.metrics, { port, host, unreadyAfterMs, checkpointStaleMs });
    try {
      await this.server.listen();
    } catch (err) {
      throw new ConnectorError(`the http endpoints cannot listen on ${host}:${port}: ${(err as Error).message}`, { code: 'HTTP_LISTEN_FAILED', cause: err });
    }
    // When nothing is committed for a while, a read tells whether the store still answers.
    const every = Math.max(50, Math.floor(checkpointStaleMs / 3));
    this.probeTimer = setInterval(() => this.probe(every), every);
    this.probeTimer.unref();
    return this.server.url;
  }

  async close(): Promise<void> {
    clearInterval(this.probeTimer);
    await this.server?.close();
    this.metrics?.close();
  }

  /** The store answered (the start-up read every checkpoint, a lease round went through). */
  storeAnswered(): void {
    this.storeAnsweredAt = Date.now();
    this.storeError = null;
  }

  actorFailed(s: ShardEntry, err: Error): void {
    const code = (err as Error & { code?: unknown }).code;
    const permanent = isPermanent(err);
    const label = typeof code === 'string' ? code : err.name;
    const key = `${label} ${permanent}`;
    const entry = this.restarts.get(key) ?? { code: label, permanent, count: 0 };
    entry.count++;
    this.restarts.set(key, entry);
    if (permanent) this.permanentFailure.add(s.shardId); else this.permanentFailure.delete(s.shardId);
    if (!this.failing.has(s.shardId)) this.failing.set(s.shardId, { since: Date.now(), emitted: s.emitted.count, position: s.position });
  }

  loopDelay(event: LoopDelayEvent): void {
    this.loopDelays[event.thread] = { p50: event.p50, p99: event.p99, max: event.max };
  }

  private probe(every: number): void {
    if (this.probing || Date.now() - this.answeredAt() < every) return;
    const first = this.deps.registry.values().next();
    this.probing = true;
    this.deps.store.get(first.done ? '-' : first.value.shardId).then(
      () => this.storeAnswered(),
      (err: unknown) => { this.storeError = describeError(err); },
    ).finally(() => { this.probing = false; });
  }

  private answeredAt(): number {
    return Math.max(this.storeAnsweredAt, this.deps.checkpointer.answeredAt, this.deps.ownership.coordinator?.answeredAt ?? 0);
  }

  snapshot(): TelemetrySnapshot {
    const { config, ownership, threads, checkpointer } = this.deps;
    const worker = ownership.stats();
    const state = this.deps.state();
    return {
      app: config.app, stream: config.stream, running: state.running, stopped: state.stopped, stats: state.stats,
      worker: {
        id: worker.id, leases: worker.leases, owned: worker.owned.length, liveWorkers: worker.liveWorkers.length, leaseRounds: worker.leaseRounds,
        leasesTaken: worker.leasesTaken, leasesStolen: worker.leasesStolen, leasesLost: worker.leasesLost, leasesReleased: worker.leasesReleased,
      },
      shards: this.rows(),
      checkpointCommits: checkpointer.written, checkpointFailures: checkpointer.failed,
      storeAnsweredAt: this.answeredAt(), storeError: this.storeError,
      restarts: [...this.restarts.values()].map((r) => ({ ...r })), pool: threads.poolLoad() ?? null, loopDelays: { ...this.loopDelays },
    };
  }

  private rows(): ShardRow[] {
    const { registry, ownership } = this.deps;
    const view = ownership.coordinator?.lastView;
    const holders = new Map(view?.shards.filter((l) => isHeld(l, view.now)).map((l) => [l.shardId, l.owner]));
    const rows: ShardRow[] = [];
    for (const s of registry.values()) {
      const mine = ownership.owns(s) && s.state !== 'finished';
      rows.push({
        shardId: s.shardId, state: s.state, owner: mine ? ownership.workerId : holders.get(s.shardId) ?? null,
        millisBehindLatest: s.state === 'running' ? s.stats.millisBehindLatest : null, checkpoint: s.committed,
        read: s.base.read + s.stats.read, filtered: s.base.filtered + s.stats.filtered, deadLettered: s.base.deadLettered + s.stats.deadLettered,
        emitted: s.emitted.count, bytesEmitted: s.emitted.bytes, batchesEmitted: s.emitted.batches,
        lastError: s.lastError ?? null, failingSince: this.failingSince(s), lastErrorPermanent: this.permanentFailure.has(s.shardId),
      });
    }
    return rows;
  }

  /** Failing until its actor stores something, catches up, or the shard leaves this worker or ends. */
  private failingSince(s: ShardEntry): number | null {
    const f = this.failing.get(s.shardId);
    if (!f) return null;
    const recovered = s.state === 'waiting' || s.state === 'finished' ||
      (s.state === 'running' && (s.stats.caughtUp || s.emitted.count > f.emitted || (s.position !== null && s.position !== f.position)));
    if (!recovered) return f.since;
    this.failing.delete(s.shardId);
    return null;
  }
}
