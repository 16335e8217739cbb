/**
 * The Pipeline, run by its supervisor on the main thread: lists shards, starts a shard actor per
 * shard on a bounded set of host threads, commits checkpoints as actors report stored positions,
 * restarts failed actors with jittered exponential backoff, follows resharding and shuts everything
 * down gracefully. A facade over its parts: the shard registry (states and their transitions), the
 * thread manager, the checkpointer and the restart policy.
 */
import { createCheckpointStore } from '../checkpoint/create-checkpoint-store.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { defaultWorkerId } from '../config/sections.js';
import { resolveConfig, type PipelineOptions, type ResolvedConfig, type ResolveContext } from '../config/config.js';
import { ConnectorError, ThreadError, describeError, isPermanent } from '../core/errors.js';
import { createConsoleLogger, type Logger } from '../core/logger.js';
import { SHARD_END } from '../core/sequence.js';
import { withTimeout } from '../core/with-timeout.js';
import type { ShardInfo } from '../sources/shard-source.js';
import { deserializeError, type HostEvent, type ProgressEvent } from '../threads/protocol.js';
import { exactlyOnce } from '../config/exactly-once.js';
import { boundaryJournal, requireCutJournal } from './boundary-journal.js';
import { Checkpointer } from './checkpointer.js';
import { addEmitted, caughtUp, collectStats, type PipelineStats } from './pipeline-stats.js';
import { PipelineTelemetry } from './pipeline-telemetry.js';
import { nextRestart } from './restart-policy.js';
import { ShardOwnership, type WorkerStats } from './shard-ownership.js';
import { ShardRegistry, type ShardEntry } from './shard-registry.js';
import { startAt } from './start-position.js';
import { runStartUpChecks } from './start-up-checks.js';
import { ThreadManager } from './thread-manager.js';

export type { PipelineStats } from './pipeline-stats.js';
export type { WorkerStats } from './shard-ownership.js';

export interface PipelineDeps extends ResolveContext {
  /** Receives every log line of every thread. A pino logger fits as is. @defaultValue a stderr line logger */
  logger?: Logger;
  /** Overrides the store named by `checkpoint` in the config. */
  checkpointStore?: CheckpointStore;
}

export type EmittedListener = (event: { type: 'emitted'; count: number; location?: string }) => void;

export class Pipeline {
  readonly config: ResolvedConfig;
  private readonly logger: Logger;
  private readonly store: CheckpointStore;
  private readonly registry = new ShardRegistry();
  private readonly threads: ThreadManager;
  private readonly checkpointer: Checkpointer;
  private readonly ownership: ShardOwnership;
  private readonly telemetry: PipelineTelemetry;
  /** The start-up is over (and succeeded). */
  private up = false;
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  private starting: Promise<void> | undefined;
  private tearingDown: Promise<void> | undefined;
  private stopping: Promise<PipelineStats> | undefined;
  private nextHost = 0;
  private discovering: Promise<void> | undefined;
  private restarts = 0;
  private resolveDone: () => void = () => {};
  private readonly finished = new Promise<void>((resolve) => { this.resolveDone = resolve; });
  private readonly listeners = new Set<EmittedListener>();

  constructor(options: PipelineOptions, deps: PipelineDeps = {}) {
    this.config = resolveConfig(options, deps);
    this.logger = deps.logger ?? createConsoleLogger(this.config.logLevel);
    this.store = deps.checkpointStore ?? createCheckpointStore(this.config);
    this.threads = new ThreadManager(this.config, this.logger, {
      hostEvent: (event) => this.onHostEvent(event),
      hostExited: (index, code) => this.onHostExited(index, code),
      loopDelay: (event) => this.telemetry.loopDelay(event),
      transformed: (_shardId, seconds) => this.telemetry.metrics?.observeTransform(seconds),
      boundaries: exactlyOnce(this.config.emitter)
        ? boundaryJournal(requireCutJournal(this.store), this.registry, (id) => this.ownership.fence(id)) : undefined,
    });
    this.ownership = new ShardOwnership(this.store, this.registry, this.config.worker.id ?? defaultWorkerId(), this.config.lease, this.logger, {
      acquired: () => this.startReady(),
      lost: (s, reason) => this.onLeaseLost(s, reason),
      finished: (s) => this.finish(s),
    });
    this.checkpointer = new Checkpointer(this.store, this.logger, (s) => this.finish(s), {
      fence: (id) => this.ownership.fence(id),
      lost: (s, reason) => this.ownership.coordinator?.lose(s.shardId, reason),
    });
    this.telemetry = new PipelineTelemetry({
      config: this.config, registry: this.registry, ownership: this.ownership, threads: this.threads, checkpointer: this.checkpointer, store: this.store,
      state: () => ({ running: this.up && !this.stopping, stopped: this.stopping !== undefined, stats: this.stats() }),
    });
  }

  /** The endpoints' address (`http://host:port`) once they listen: with `http.port` set, from early in `start()`. */
  get httpUrl(): string | undefined {
    return this.telemetry.url;
  }

  /**
   * Starts the endpoints (with `http.port` set) before `start()`, which otherwise does it first;
   * until the start-up is over `/readyz` answers 503. Resolves with their URL.
   */
  serveHttp(): Promise<string | undefined> {
    return this.telemetry.serve();
  }

  /**
   * Starts reading. Rejects with a clear error when the stream, the transform module or a thread
   * cannot start, or when the sink or the checkpoint store fails its start-up check (a
   * `SinkCheckError`, code `SINK_UNAVAILABLE`): then no shard is read.
   */
  start(): Promise<void> {
    if (this.started) return Promise.reject(new ConnectorError('the pipeline was already started', { code: 'ALREADY_STARTED' }));
    this.started = true;
    this.starting = this.startUp();
    return this.starting;
  }

  /** `stop()` during the start-up: the start-up gives up at its next step and releases what it started. */
  private abandonIfStopping(): void {
    if (this.stopping) throw new ConnectorError('the pipeline was stopped during its start-up', { code: 'STOPPED_DURING_START' });
  }

  private async startUp(): Promise<void> {
    const { config } = this;
    try {
      await this.telemetry.serve();
      this.abandonIfStopping();
      // The transform module is checked while the shards are listed and the sink and the checkpoint
      // store are checked: a broken module fails the start-up at once, and the other failures wait
      // for that check, so the module is named first, then the stream, then the sink or the store.
      const listed = this.listShards().then((shards) => ({ shards }), (error: unknown) => ({ error }));
      const checked = runStartUpChecks(() => this.threads.startEmitters(), this.store).then(() => undefined, (error: unknown) => ({ error }));
      const [, result, check] = await Promise.all([this.threads.startPool(), listed, checked]);
      if ('error' in result) throw result.error;
      if (check) throw check.error;
      this.abandonIfStopping();
      const { shards } = result;
      await this.threads.start(shards.length);
      this.abandonIfStopping();
      await this.registry.update(shards, (id) => this.store.get(id));
      this.abandonIfStopping();
      await this.ownership.start(shards.map((i) => i.shardId));
      this.telemetry.storeAnswered();
      this.abandonIfStopping();
      this.startReady();
      this.up = true;
    } catch (err) {
      await this.teardown().catch(() => undefined);
      throw err;
    }
    this.timers.push(setInterval(() => void this.commitAll(), config.checkpoint.intervalMs));
    this.timers.push(setInterval(() => void this.discover(), config.shards.discoveryIntervalMs));
    this.logger.info({ app: config.app, stream: config.stream, worker: this.ownership.workerId, leases: this.ownership.coordinator !== undefined,
      owned: this.ownership.stats().owned.length, shards: this.registry.size, hostThreads: this.threads.hostCount,
      transformThreads: config.transform.threads, emitterThreads: this.threads.emitterCount, emitter: config.emitter.type }, 'pipeline started');
  }

  /** Lists the shards through the first host thread (started for it): the main thread loads no Kinesis client. */
  private async listShards(): Promise<ShardInfo[]> {
    await this.threads.startFirstHost();
    return this.threads.listShards();
  }

  private onHostEvent(event: HostEvent): void {
    switch (event.type) {
      case 'progress': this.onProgress(event); break;
      case 'stats': {
        const s = this.registry.get(event.shardId);
        if (s && s.generation === event.generation) {
          s.stats = { read: event.read, filtered: event.filtered, deadLettered: event.deadLettered,
            millisBehindLatest: event.millisBehindLatest, caughtUp: event.caughtUp, lastReadAt: event.lastReadAt, busy: event.busy };
        }
        break;
      }
      case 'actor-failed':
        this.onActorFailed(event.shardId, event.generation, deserializeError(event.error));
        break;
      default: break;
    }
  }

  private onProgress(event: ProgressEvent): void {
    const s = this.registry.get(event.shardId);
    if (!s) return;
    const current = s.generation === event.generation;
    const e = event.emitted;
    if (e) {
      this.telemetry.metrics?.observeEmit(e.latencyMs / 1000);
      for (const l of this.listeners) l({ type: 'emitted', count: e.count, location: e.location });
      // A drained actor's answer already counted everything it stored.
      if (!(current && s.drained)) addEmitted(s.emitted, { count: e.count, bytes: e.bytes, batches: 1 });
      if (current && !s.drained) addEmitted(s.emittedByActor, { count: e.count, bytes: e.bytes, batches: 1 });
    }
    if (!current) return;
    this.registry.advance(s, event.position);
    if (event.position === SHARD_END) void this.commitAll();
  }

  private onHostExited(index: number, code: number): void {
    for (const s of this.registry.values()) {
      if (s.host === index && s.state === 'running') {
        this.onActorFailed(s.shardId, s.generation, new ThreadError(`shard host thread ${index} exited with code ${code}`));
      }
    }
  }

  /** Starts every waiting shard whose parents are finished. */
  private startReady(): void {
    if (this.stopping) return;
    for (const s of this.registry.startable((e) => this.ownership.owns(e))) this.startActor(s);
  }

  /**
   * The shard's lease moved to another worker (or could not be renewed in time): its actor stops at
   * once, without a drain (no further emits or commits for it), and the shard waits.
   */
  private onLeaseLost(s: ShardEntry, reason: string): void {
    clearTimeout(s.restartTimer);
    s.restartTimer = undefined;
    if (s.state === 'running') {
      // Its later events belong to no actor the registry knows.
      s.generation++;
      this.threads.host(s.host).api.killActor(s.shardId, `lease lost: ${reason}`).catch(() => undefined);
    }
    if (s.state === 'running' || s.state === 'restarting') this.registry.transition(s, 'waiting');
    this.registry.resetTo(s, s.committed);
  }

  /** A shard's checkpoint became SHARD_END: it is finished, and children waiting on it may start. */
  private finish(s: ShardEntry): void {
    if (s.state === 'finished') return;
    this.registry.transition(s, 'finished');
    clearTimeout(s.restartTimer);
    this.logger.info({ shardId: s.shardId }, 'shard finished; checkpointed SHARD_END');
    void this.ownership.finished(s);
    this.startReady();
  }

  private discover(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.discovering ??= this.threads.listShards()
      .then((list) => this.registry.update(list, (id) => this.store.get(id)))
      .then(() => this.ownership.forget(this.registry.unlisted()))
      .then(() => this.startReady())
      .catch((err) => this.logger.error({ stream: this.config.stream, error: describeError(err) }, 'shard discovery failed; will retry'))
      .finally(() => { this.discovering = undefined; });
    return this.discovering;
  }

  private startActor(s: ShardEntry): void {
    if (s.host < 0) {
      s.host = this.nextHost++ % this.threads.hostCount;
      s.emitter = s.host % this.threads.emitterCount;
    }
    s.generation++;
    s.base.read += s.stats.read;
    s.base.filtered += s.stats.filtered;
    s.base.deadLettered += s.stats.deadLettered;
    s.stats = { ...s.stats, read: 0, filtered: 0, deadLettered: 0, caughtUp: false, busy: false, lastReadAt: Date.now() };
    s.emittedByActor = { count: 0, bytes: 0, batches: 0 };
    s.drained = false;
    this.registry.transition(s, 'running');
    const { shardId, generation } = s;
    const from = startAt(s, this.config.startPosition);
    this.logger.debug({ shardId, generation, startAt: from }, 'starting shard actor');
    this.threads.host(s.host).api.startActor({ shardId, generation, startAt: from, emitterIndex: s.emitter }).catch((err: Error) => {
      this.onActorFailed(shardId, generation, err);
    });
  }

  private onActorFailed(shardId: string, generation: number, err: Error): void {
    const s = this.registry.get(shardId);
    if (!s || s.generation !== generation || s.state !== 'running') return;
    this.registry.transition(s, 'restarting');
    s.lastError = describeError(err);
    if (this.stopping) return;
    const decision = nextRestart(s.restarts, this.config.restart);
    // A permanent error (a missing bucket, table or stream, refused credentials) is said so: it
    // needs the sink or its settings fixed, and the restarts only notice when that is done.
    const permanent = isPermanent(err) ? { permanent: true } : {};
    const hint = isPermanent(err) ? ' (the error is permanent: fix the sink or its settings)' : '';
    if (decision.exhausted) {
      const { maxRestarts, windowMs } = this.config.restart;
      this.logger.error({ shardId, generation, error: s.lastError, ...permanent, restartInMs: decision.delayMs, maxRestarts, windowMs },
        `shard actor restart budget exhausted; retrying slowly until it recovers${hint}`);
    } else {
      this.logger.error({ shardId, generation, error: s.lastError, ...permanent, restartInMs: decision.delayMs, restartsInWindow: decision.recent },
        `shard actor failed; restarting it from its last committed checkpoint${hint}`);
    }
    this.restarts++;
    this.telemetry.actorFailed(s, err);
    s.restartTimer = setTimeout(() => {
      s.restartTimer = undefined;
      if (this.stopping || s.state !== 'restarting') return;
      // Commit what was stored before the failure, then resume after the committed position.
      void this.checkpointer.commit(s).finally(() => {
        if (!this.stopping && s.state === 'restarting') this.startActor(s);
      });
    }, decision.delayMs);
  }

  private commitAll(): Promise<void> {
    return this.checkpointer.commitAll(() => this.registry.values());
  }

  /**
   * Crashes one shard actor on purpose, as an operational fault drill: the supervisor restarts it
   * from its last committed checkpoint like any failed actor.
   */
  async killShardActor(shardId: string, reason = 'killed by killShardActor'): Promise<void> {
    const s = this.registry.get(shardId);
    if (!s || s.state !== 'running') throw new ConnectorError(`shard ${shardId} has no running actor`, { code: 'NO_SUCH_ACTOR' });
    await this.threads.host(s.host).api.killActor(shardId, reason);
  }

  /** Terminates a shard host thread on purpose (fault drill): its actors restart on a new thread. */
  async killHostThread(index: number): Promise<void> {
    if (!await this.threads.killHost(index)) throw new ConnectorError(`there is no shard host thread ${index}`, { code: 'NO_SUCH_THREAD' });
  }

  /** Called with every stored batch (for progress displays). */
  onEmitted(listener: EmittedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): PipelineStats & { worker: WorkerStats } {
    return { ...collectStats(this.registry, { restarts: this.restarts, checkpointsWritten: this.checkpointer.written }), worker: this.ownership.stats() };
  }

  /**
   * True when the pipeline has caught up: every running shard's actor has had a GetRecords answer
   * with no records and MillisBehindLatest 0 (or read its closed shard to the end), so no read of a
   * backlog is in flight; nothing it read is in the pool, the buffer or an emit; it has received no
   * record for `idleMs`; every stored position is committed; and no shard is restarting or waiting
   * to start. A shard still behind the tip is never idle, however long since its last record. A
   * poll at the tip that is in flight does not count: it would keep a many-shard pipeline from ever
   * being idle, and what it may bring is not checkpointed, so it is read next time.
   */
  isIdle(idleMs: number): boolean {
    return caughtUp(this.registry, idleMs, (s) => this.ownership.mayRead(s));
  }

  /** Resolves once `isIdle(idleMs)` holds (checked every 100 ms). */
  async waitUntilIdle(idleMs: number, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted && !this.isIdle(idleMs)) await new Promise((r) => setTimeout(r, 100));
  }

  /**
   * Graceful shutdown: stop reading, drain the pool, flush buffers, emit, commit, close, all within
   * `shutdownTimeoutMs`. Idempotent: every call returns the same promise.
   */
  stop(): Promise<PipelineStats> {
    this.stopping ??= this.shutdown().finally(() => this.resolveDone());
    return this.stopping;
  }

  /** Resolves with the final stats once the pipeline has stopped (by `stop()` or a signal). */
  async done(): Promise<PipelineStats> {
    await this.finished;
    return this.stopping!;
  }

  private async shutdown(): Promise<PipelineStats> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.registry.values()) clearTimeout(s.restartTimer);
    this.ownership.stopTaking();
    this.threads.stopReplacing();
    // One deadline for the whole shutdown: drain, the final commit, cleanup.
    const end = Date.now() + this.config.shutdownTimeoutMs;
    const left = () => Math.max(0, end - Date.now());
    // A start-up still running gives up at its next step (see abandonIfStopping); wait for it.
    await withTimeout(this.starting ?? Promise.resolve(), left());
    // Each drained actor answers with its final stored position: nothing else needs waiting for.
    const drain = this.threads.stopAllActors().then((reports) => {
      for (const r of reports) {
        const s = this.registry.get(r.shardId);
        if (!s || s.generation !== r.generation) continue;
        this.registry.advance(s, r.position);
        // Progress events still on their way are counted from the answer instead.
        addEmitted(s.emitted, {
          count: r.emitted.count - s.emittedByActor.count, bytes: r.emitted.bytes - s.emittedByActor.bytes,
          batches: r.emitted.batches - s.emittedByActor.batches,
        });
        s.emittedByActor = r.emitted;
        s.drained = true;
      }
    });
    if (!await withTimeout(drain, left())) {
      this.logger.error({ timeoutMs: this.config.shutdownTimeoutMs }, 'shutdown timed out while draining; committing what was stored');
    }
    await this.discovering?.catch(() => undefined);
    await withTimeout(this.commitAll(), left());
    // After the final commit: the next owner starts where this worker stopped.
    await withTimeout(this.ownership.release().catch((err: unknown) => {
      this.logger.error({ error: describeError(err) }, 'releasing leases failed; other workers take them when they expire');
    }), left());
    const stats = this.stats();
    await withTimeout(this.teardown(), Math.max(left(), 1000));
    this.logger.info({ recordsRead: stats.recordsRead, recordsEmitted: stats.recordsEmitted, checkpointsWritten: stats.checkpointsWritten }, 'pipeline stopped');
    return stats;
  }

  /** Releases every thread and connection; runs each step even when another throws. */
  private teardown(): Promise<void> {
    // Once: a start-up given up under a stop and that stop both get here.
    this.tearingDown ??= this.releaseAll();
    return this.tearingDown;
  }

  private async releaseAll(): Promise<void> {
    this.stopping ??= Promise.resolve(this.stats());
    const failures = await this.threads.close();
    // A start-up that failed after taking leases gives them back (after a stop, they already are).
    await this.ownership.release().catch((err: unknown) => failures.push(err));
    const rest = await Promise.allSettled([this.store.close(), this.telemetry.close()]);
    for (const r of rest) if (r.status === 'rejected') failures.push(r.reason);
    for (const err of failures) this.logger.error({ error: describeError(err) }, 'a cleanup step failed during shutdown');
  }
}
