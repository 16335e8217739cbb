/**
 * The Pipeline, run by its supervisor on the main thread: lists shards, starts a shard actor per
 * shard on a bounded set of host threads, owns the transform pool and the emitter threads,
 * commits checkpoints as emitters acknowledge, restarts failed actors with jittered exponential
 * backoff, follows resharding and shuts everything down gracefully.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ShardAcks } from '../actors/ack-tracker.js';
import { backoffDelay } from '../core/backoff.js';
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { resolveConfig, type PipelineOptions, type ResolvedConfig, type ResolveContext } from '../config/config.js';
import { createSource } from '../sources/create-source.js';
import { ConnectorError, ThreadError, TransformModuleError, describeError } from '../core/errors.js';
import { FileCheckpointStore } from '../checkpoint/file-checkpoint-store.js';
import { createConsoleLogger, dispatchLog, type Logger } from '../core/logger.js';
import {
  deserializeError, type DrainedActor, type EmitterEvent, type SerializedError, type HostEvent, type RecordWindow, type ShardHostApi, type ShardHostData,
  type StartAt, type TransformResult,
} from '../threads/protocol.js';
import { windowTransferables } from '../transform/record-window.js';
import { RedisCheckpointStore } from '../checkpoint/redis-checkpoint-store.js';
import { connect, serve, transfer } from '../threads/rpc.js';
import { SHARD_END } from '../core/sequence.js';
import type { ShardInfo, ShardSource } from '../sources/shard-source.js';

const WORKERS = new URL('../../workers/', import.meta.url);

export interface PipelineDeps extends ResolveContext {
  /** Receives every log line of every thread. A pino logger fits as is. @defaultValue a stderr line logger */
  logger?: Logger;
  /** Overrides the store named by `checkpoint` in the config. */
  checkpointStore?: CheckpointStore;
}

type ShardState = 'waiting' | 'running' | 'restarting' | 'finished';

interface Shard {
  info: ShardInfo;
  state: ShardState;
  host: number;
  emitter: number;
  generation: number;
  acks: ShardAcks;
  /** The value in the checkpoint store (null: none). */
  committed: string | null;
  restarts: number[];
  restartTimer?: NodeJS.Timeout;
  /** When the shard's first actor started (the meaning of LATEST until a checkpoint exists). */
  firstStartedAt?: number;
  lastError?: string;
  stats: { read: number; filtered: number; deadLettered: number; millisBehindLatest: number; lastReadAt: number; busy: boolean };
  /** Counts of earlier generations, folded in when an actor is replaced. */
  base: { read: number; filtered: number; deadLettered: number };
}

interface HostThread {
  index: number;
  worker: Worker;
  api: ReturnType<typeof connect<ShardHostApi & { replaceEmitter(index: number, port: MessagePort): void }>>;
  relay: MessagePort;
  exited: boolean;
}

interface EmitterThread {
  index: number;
  worker: Worker;
  exited: boolean;
}

/** Totals since start, across all shards. */
export interface PipelineStats {
  shards: { total: number; running: number; finished: number; restarting: number; waiting: number };
  recordsRead: number;
  recordsEmitted: number;
  recordsFiltered: number;
  recordsDeadLettered: number;
  batchesEmitted: number;
  bytesEmitted: number;
  restarts: number;
  checkpointsWritten: number;
  maxMillisBehindLatest: number;
  checkpoints: Record<string, string | null>;
}

export class Pipeline {
  readonly config: ResolvedConfig;
  private readonly logger: Logger;
  private readonly store: CheckpointStore;
  private source: ShardSource | undefined;
  private pool: Piscina | undefined;
  private hosts: HostThread[] = [];
  private emitters: EmitterThread[] = [];
  private readonly shards = new Map<string, Shard>();
  private timers: NodeJS.Timeout[] = [];
  private started = false;
  /** Start-up finished: from here on, a thread that exits is replaced. */
  private running = false;
  private stopping: Promise<PipelineStats> | undefined;
  private nextHost = 0;
  private committing: Promise<void> | undefined;
  private discovering: Promise<void> | undefined;
  private lastList: ShardInfo[] = [];
  private readonly respawns = new Map<string, number[]>();
  private readonly totals = { emitted: 0, batches: 0, bytes: 0, restarts: 0, checkpoints: 0 };
  private resolveDone: () => void = () => {};
  private readonly finished = new Promise<void>((resolve) => { this.resolveDone = resolve; });
  private readonly listeners = new Set<(event: { type: 'emitted'; count: number; location?: string }) => void>();

  constructor(options: PipelineOptions, deps: PipelineDeps = {}) {
    this.config = resolveConfig(options, deps);
    this.logger = deps.logger ?? createConsoleLogger(this.config.logLevel);
    this.store = deps.checkpointStore ?? (this.config.checkpoint.redis
      ? new RedisCheckpointStore({ app: this.config.app, stream: this.config.stream, url: this.config.checkpoint.redis })
      : new FileCheckpointStore({ app: this.config.app, stream: this.config.stream, file: this.config.checkpoint.file }));
  }

  /** Starts reading. Rejects with a clear error when the stream, the transform module or a thread cannot start. */
  async start(): Promise<void> {
    if (this.started) throw new ConnectorError('the pipeline was already started', { code: 'ALREADY_STARTED' });
    this.started = true;
    const { config } = this;
    try {
      this.source = await createSource(config, this.logger);
      const shards = await this.source.listShards();
      await this.startPool();
      for (let i = 0; i < config.emitter.threads; i++) this.emitters.push(await this.spawnEmitter(i));
      const hostCount = config.shards.hostThreads ?? Math.max(1, Math.min(shards.length, availableParallelism()));
      for (let i = 0; i < hostCount; i++) this.hosts.push(this.spawnHost(i));
      // Every thread is up and has loaded its modules before the first actor starts.
      await Promise.all(this.hosts.map((h) => h.api.ready()));
      await this.addShards(shards);
    } catch (err) {
      await this.teardown().catch(() => undefined);
      throw err;
    }
    this.running = true;
    this.timers.push(setInterval(() => void this.commitAll(), config.checkpoint.intervalMs));
    this.timers.push(setInterval(() => void this.discover(), config.shards.discoveryIntervalMs));
    this.logger.info({ app: config.app, stream: config.stream, shards: this.shards.size, hostThreads: this.hosts.length,
      transformThreads: config.transform.threads, emitterThreads: this.emitters.length, emitter: config.emitter.type }, 'pipeline started');
  }

  private async startPool(): Promise<void> {
    const { config } = this;
    this.pool = new Piscina({
      filename: new URL('transform-thread.js', WORKERS).href,
      minThreads: config.transform.threads,
      maxThreads: config.transform.threads,
      idleTimeout: Infinity,
      workerData: { module: config.transform.module },
    });
    try {
      await this.pool.run({ probe: true });
    } catch (err) {
      if ((err as Error).name === 'TransformModuleError') throw new TransformModuleError((err as Error).message, err);
      throw new TransformModuleError(`the transform pool failed to start: ${describeError(err)}`, err);
    }
  }

  private spawnEmitter(index: number): Promise<EmitterThread> {
    const worker = new Worker(new URL('emitter-thread.js', WORKERS), { workerData: { emitterIndex: index, config: this.config } });
    const thread: EmitterThread = { index, worker, exited: false };
    worker.on('message', (event: EmitterEvent | { type: 'closed' | 'ready' }) => this.onEmitterEvent(event));
    worker.on('error', (err) => this.logger.error({ emitterThread: index, error: describeError(err) }, 'emitter thread crashed'));
    worker.on('exit', (code) => {
      thread.exited = true;
      if (this.running && !this.stopping) this.onEmitterExit(thread, code);
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string; error?: SerializedError }) => {
        if (m.type === 'ready') resolve(thread);
        else if (m.type === 'failed') reject(deserializeError(m.error!));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new ThreadError(`emitter thread ${index} exited during start-up (code ${code})`)));
    });
  }

  /** No wait for a thread's first replacement within `restart.windowMs`, then the restart backoff. */
  private respawnDelay(key: string): number {
    const now = Date.now();
    const recent = (this.respawns.get(key) ?? []).filter((t) => now - t < this.config.restart.windowMs);
    recent.push(now);
    this.respawns.set(key, recent);
    return recent.length <= 1 ? 0 : backoffDelay(recent.length - 2, this.config.restart);
  }

  private onEmitterExit(thread: EmitterThread, code: number): void {
    const delay = this.respawnDelay(`emitter-${thread.index}`);
    this.logger.error({ emitterThread: thread.index, exitCode: code, respawnInMs: delay }, 'emitter thread exited; starting a new one');
    void new Promise((r) => this.timers.push(setTimeout(r, delay))).then(() => {
      if (this.stopping) throw new ThreadError('the pipeline is stopping');
      return this.spawnEmitter(thread.index);
    }).then((fresh) => {
      this.emitters[thread.index] = fresh;
      for (const host of this.hosts) {
        if (host.exited) continue;
        const { port1, port2 } = new MessageChannel();
        fresh.worker.postMessage({ type: 'connect', port: port1 }, [port1]);
        void host.api.replaceEmitter(thread.index, transfer(port2, [port2])).catch(() => undefined);
      }
      // Actors using the dead thread fail on their own (their calls reject) and are restarted.
    }, (err) => this.logger.error({ emitterThread: thread.index, error: describeError(err) }, 'could not restart the emitter thread'));
  }

  private spawnHost(index: number): HostThread {
    const control = new MessageChannel();
    const relay = new MessageChannel();
    const emitterPorts: MessagePort[] = [];
    for (const e of this.emitters) {
      const ch = new MessageChannel();
      e.worker.postMessage({ type: 'connect', port: ch.port1 }, [ch.port1]);
      emitterPorts.push(ch.port2);
    }
    const pool = this.pool!;
    const { timeoutMs } = this.config.transform;
    serve({
      async run(window: RecordWindow) {
        const records = window.offsets.length - 1;
        let r: TransformResult;
        try {
          // On time-out Piscina ends the thread running the task (a transform stuck in a loop cannot
          // be interrupted any other way) and starts a new one.
          r = await pool.run(window, { transferList: windowTransferables(window), signal: AbortSignal.timeout(timeoutMs) }) as TransformResult;
        } catch (err) {
          if ((err as Error).name === 'AbortError' || (err as Error).name === 'TimeoutError') {
            throw new ConnectorError(`the transform of ${records} records of ${window.shardId} did not finish within transform.timeoutMs (${timeoutMs} ms)`,
              { code: 'TRANSFORM_TIMEOUT', retriable: true, cause: err });
          }
          throw err;
        }
        return transfer(r, [r.data, r.offsets.buffer as ArrayBuffer, r.keptIndex.buffer as ArrayBuffer]);
      },
    }, relay.port1);
    const data: ShardHostData = { hostIndex: index, config: this.config, control: control.port2, transform: relay.port2, emitters: emitterPorts };
    const worker = new Worker(new URL('shard-host-thread.js', WORKERS), {
      workerData: data, transferList: [control.port2, relay.port2, ...emitterPorts],
    });
    const host: HostThread = { index, worker, api: connect(control.port1, `shard host thread ${index}`), relay: relay.port1, exited: false };
    worker.on('message', (event: HostEvent) => this.onHostEvent(event));
    worker.on('error', (err) => this.logger.error({ hostThread: index, error: describeError(err) }, 'shard host thread crashed'));
    worker.on('exit', (code) => {
      host.exited = true;
      relay.port1.close();
      if (this.running && !this.stopping) this.onHostExit(host, code);
    });
    return host;
  }

  private onHostExit(host: HostThread, code: number): void {
    const delay = this.respawnDelay(`host-${host.index}`);
    this.logger.error({ hostThread: host.index, exitCode: code, respawnInMs: delay }, 'shard host thread exited; restarting its actors on a new thread');
    // Until it is replaced, calls to the dead thread reject, so its actors keep backing off.
    const respawn = setTimeout(() => {
      if (!this.stopping) this.hosts[host.index] = this.spawnHost(host.index);
    }, delay);
    this.timers.push(respawn);
    for (const [shardId, s] of this.shards) {
      if (s.host === host.index && s.state === 'running') {
        this.onActorFailed(shardId, s.generation, new ThreadError(`shard host thread ${host.index} exited with code ${code}`));
      }
    }
  }

  private onEmitterEvent(event: EmitterEvent | { type: 'closed' | 'ready' }): void {
    if (event.type === 'log') dispatchLog(this.logger, event);
    else if (event.type === 'ack') this.onAck(event);
  }

  private onHostEvent(event: HostEvent): void {
    switch (event.type) {
      case 'log': dispatchLog(this.logger, event); break;
      case 'ack': this.onAck(event); break;
      case 'stats': {
        const s = this.shards.get(event.shardId);
        if (s && s.generation === event.generation) {
          s.stats = { read: event.read, filtered: event.filtered, deadLettered: event.deadLettered,
            millisBehindLatest: event.millisBehindLatest, lastReadAt: event.lastReadAt, busy: event.busy };
        }
        break;
      }
      case 'shard-ended': {
        const s = this.shards.get(event.shardId);
        if (s && s.generation === event.generation) {
          s.acks.ended(event.batches);
          void this.commitAll();
        }
        break;
      }
      case 'actor-failed':
        this.onActorFailed(event.shardId, event.generation, deserializeError(event.error));
        break;
    }
  }

  private onAck(event: { shardId: string; generation: number; batchNo: number; lastSeq: string; count: number; bytes: number; location?: string }): void {
    if (event.count > 0) {
      this.totals.emitted += event.count;
      this.totals.batches++;
      this.totals.bytes += event.bytes;
      for (const l of this.listeners) l({ type: 'emitted', count: event.count, location: event.location });
    }
    const s = this.shards.get(event.shardId);
    if (s && s.generation === event.generation) s.acks.ack(event.batchNo, event.lastSeq);
  }

  /** Adds newly listed shards and starts every shard whose parents are finished. */
  private async addShards(list: ShardInfo[]): Promise<void> {
    this.lastList = list;
    const listed = new Set(list.map((s) => s.shardId));
    for (const info of list) {
      if (this.shards.has(info.shardId)) {
        this.shards.get(info.shardId)!.info = info;
        continue;
      }
      const committed = await this.store.get(info.shardId);
      this.shards.set(info.shardId, {
        info, state: committed === SHARD_END ? 'finished' : 'waiting', host: -1, emitter: -1, generation: 0,
        acks: new ShardAcks(0), committed, restarts: [],
        stats: { read: 0, filtered: 0, deadLettered: 0, millisBehindLatest: 0, lastReadAt: Date.now(), busy: false },
        base: { read: 0, filtered: 0, deadLettered: 0 },
      });
    }
    for (const [shardId, s] of this.shards) {
      if (s.state === 'waiting' && !this.stopping && this.parentsFinished(s, listed)) this.startActor(shardId, s);
    }
  }

  /** True when every parent of the shard is finished or no longer listed (trimmed). */
  private parentsFinished(s: Shard, listed: Set<string>): boolean {
    const parents = [s.info.parentShardId, s.info.adjacentParentShardId].filter((p): p is string => p !== undefined);
    return parents.every((p) => !listed.has(p) || this.shards.get(p)?.state === 'finished');
  }

  /** A shard's checkpoint became SHARD_END: it is finished, and children waiting on it may start. */
  private finish(shardId: string, s: Shard): void {
    if (s.state === 'finished') return;
    s.state = 'finished';
    clearTimeout(s.restartTimer);
    this.logger.info({ shardId }, 'shard finished; checkpointed SHARD_END');
    void this.addShards(this.lastList).catch((err) => this.logger.error({ error: describeError(err) }, 'starting child shards failed; discovery will retry'));
  }

  private discover(): Promise<void> {
    if (this.stopping || !this.source) return Promise.resolve();
    this.discovering ??= this.source.listShards()
      .then((list) => this.addShards(list))
      .catch((err) => this.logger.error({ stream: this.config.stream, error: describeError(err) }, 'shard discovery failed; will retry'))
      .finally(() => { this.discovering = undefined; });
    return this.discovering;
  }

  private startAt(s: Shard): StartAt {
    if (s.committed && s.committed !== SHARD_END) return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: s.committed };
    // A child of a split or merge holds only records written after its parents closed: all of them
    // are read, whatever the configured start.
    if (s.info.parentShardId !== undefined || s.info.adjacentParentShardId !== undefined) return { type: 'TRIM_HORIZON' };
    const p = this.config.startPosition;
    if (p === 'TRIM_HORIZON') return { type: p };
    // LATEST means "from when this pipeline first started the shard": a restart before the first
    // checkpoint resumes at that moment (AT_TIMESTAMP), not at a later LATEST that would skip what
    // the failed actor had read.
    if (p === 'LATEST') {
      if (s.firstStartedAt === undefined) {
        s.firstStartedAt = Date.now();
        return { type: 'LATEST' };
      }
      return { type: 'AT_TIMESTAMP', timestamp: s.firstStartedAt };
    }
    return { type: 'AT_TIMESTAMP', timestamp: Date.parse(p) };
  }

  private startActor(shardId: string, s: Shard): void {
    if (s.host < 0) {
      s.host = this.nextHost++ % this.hosts.length;
      s.emitter = s.host % this.emitters.length;
    }
    s.generation++;
    s.acks = new ShardAcks(s.generation);
    s.base.read += s.stats.read;
    s.base.filtered += s.stats.filtered;
    s.base.deadLettered += s.stats.deadLettered;
    s.stats = { ...s.stats, read: 0, filtered: 0, deadLettered: 0, busy: false, lastReadAt: Date.now() };
    s.state = 'running';
    const startAt = this.startAt(s);
    this.logger.debug({ shardId, generation: s.generation, startAt }, 'starting shard actor');
    const host = this.hosts[s.host];
    host.api.startActor({ shardId, generation: s.generation, startAt, emitterIndex: s.emitter }).catch((err) => {
      this.onActorFailed(shardId, s.generation, err);
    });
  }

  private onActorFailed(shardId: string, generation: number, err: Error): void {
    const s = this.shards.get(shardId);
    if (!s || s.generation !== generation || s.state !== 'running') return;
    s.state = 'restarting';
    s.lastError = describeError(err);
    if (this.stopping) return;
    const { restart } = this.config;
    const now = Date.now();
    s.restarts = s.restarts.filter((t) => now - t < restart.windowMs);
    let delay: number;
    if (s.restarts.length < restart.maxRestarts) {
      delay = backoffDelay(s.restarts.length, restart);
      this.logger.error({ shardId, generation, error: s.lastError, restartInMs: delay, restartsInWindow: s.restarts.length },
        'shard actor failed; restarting it from its last committed checkpoint');
    } else {
      delay = restart.slowRetryMs;
      this.logger.error({ shardId, generation, error: s.lastError, restartInMs: delay, maxRestarts: restart.maxRestarts, windowMs: restart.windowMs },
        'shard actor restart budget exhausted; retrying slowly until it recovers');
    }
    s.restarts.push(now);
    this.totals.restarts++;
    s.restartTimer = setTimeout(() => {
      s.restartTimer = undefined;
      if (this.stopping || s.state !== 'restarting') return;
      // Commit what was acknowledged before the failure, then resume after the committed position.
      void this.commitShard(shardId, s).finally(() => {
        if (s.committed === SHARD_END) this.finish(shardId, s);
        else if (!this.stopping && s.state === 'restarting') this.startActor(shardId, s);
      });
    }, delay);
  }

  private async commitShard(shardId: string, s: Shard): Promise<void> {
    const target = s.acks.target();
    if (target === null || target === s.committed) return;
    try {
      s.committed = await this.store.set(shardId, target);
      this.totals.checkpoints++;
      if (s.committed === SHARD_END) this.finish(shardId, s);
    } catch (err) {
      this.logger.error({ shardId, checkpoint: target, error: describeError(err) }, 'checkpoint commit failed; will retry (nothing is lost, records may repeat after a crash)');
    }
  }

  /** Commits every shard's acknowledged position. Serialised: one round at a time. */
  private commitAll(): Promise<void> {
    if (this.committing) return this.committing.then(() => this.commitAll());
    this.committing = (async () => {
      await Promise.all([...this.shards].map(([id, s]) => this.commitShard(id, s)));
    })().finally(() => { this.committing = undefined; });
    return this.committing;
  }

  /**
   * Crashes one shard actor on purpose, as an operational fault drill: the supervisor restarts it
   * from its last committed checkpoint like any failed actor.
   */
  async killShardActor(shardId: string, reason = 'killed by killShardActor'): Promise<void> {
    const s = this.shards.get(shardId);
    if (!s || s.state !== 'running') throw new ConnectorError(`shard ${shardId} has no running actor`, { code: 'NO_SUCH_ACTOR' });
    await this.hosts[s.host].api.killActor(shardId, reason);
  }

  /** Terminates a shard host thread on purpose (fault drill): its actors restart on a new thread. */
  async killHostThread(index: number): Promise<void> {
    const host = this.hosts[index];
    if (!host) throw new ConnectorError(`there is no shard host thread ${index}`, { code: 'NO_SUCH_THREAD' });
    await host.worker.terminate();
  }

  /** Called with every acknowledged batch (for progress displays). */
  onEmitted(listener: (event: { type: 'emitted'; count: number; location?: string }) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): PipelineStats {
    const counts = { total: this.shards.size, running: 0, finished: 0, restarting: 0, waiting: 0 };
    let read = 0, filtered = 0, dead = 0, behind = 0;
    const checkpoints: Record<string, string | null> = {};
    for (const [id, s] of this.shards) {
      counts[s.state]++;
      read += s.base.read + s.stats.read;
      filtered += s.base.filtered + s.stats.filtered;
      dead += s.base.deadLettered + s.stats.deadLettered;
      if (s.state === 'running') behind = Math.max(behind, s.stats.millisBehindLatest);
      checkpoints[id] = s.committed;
    }
    return {
      shards: counts, recordsRead: read, recordsEmitted: this.totals.emitted, recordsFiltered: filtered,
      recordsDeadLettered: dead, batchesEmitted: this.totals.batches, bytesEmitted: this.totals.bytes,
      restarts: this.totals.restarts, checkpointsWritten: this.totals.checkpoints, maxMillisBehindLatest: behind, checkpoints,
    };
  }

  /**
   * True when no running shard has read a record for `idleMs`, nothing read is still in flight, and
   * every acknowledged position is committed.
   */
  isIdle(idleMs: number): boolean {
    const now = Date.now();
    const listed = new Set(this.lastList.map((i) => i.shardId));
    for (const s of this.shards.values()) {
      if (s.state === 'restarting') return false;
      if (s.state === 'waiting' && this.parentsFinished(s, listed)) return false;
      if (s.state === 'running') {
        if (s.stats.busy || now - s.stats.lastReadAt < idleMs || s.acks.waiting > 0) return false;
      }
      const target = s.acks.target();
      if (target !== null && target !== s.committed) return false;
    }
    return true;
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
    for (const s of this.shards.values()) clearTimeout(s.restartTimer);
    // One deadline for the whole shutdown: drain, the last acknowledgements, the final commit, cleanup.
    const end = Date.now() + this.config.shutdownTimeoutMs;
    const left = () => Math.max(0, end - Date.now());
    const reports: DrainedActor[] = [];
    const drained = await withTimeout(Promise.allSettled(this.hosts.filter((h) => !h.exited).map(async (h) => {
      reports.push(...await h.api.stopAll());
    })), left());
    if (!drained) this.logger.error({ timeoutMs: this.config.shutdownTimeoutMs }, 'shutdown timed out while draining; committing what was acknowledged');
    // Acknowledgements travel on other channels than the drain's answer: wait (briefly) for every
    // batch each drained actor produced before the final commit.
    const current = reports.map((r) => ({ r, s: this.shards.get(r.shardId) })).filter(({ r, s }) => s && s.generation === r.generation);
    for (const { r, s } of current) if (r.ended) s!.acks.ended(r.batches);
    const acked = async () => {
      while (current.some(({ r, s }) => s!.acks.acknowledged < r.batches) && left() > 0) await new Promise((res) => setTimeout(res, 10));
    };
    await withTimeout(acked(), Math.min(left(), 5000));
    await this.discovering?.catch(() => undefined);
    await withTimeout(this.commitAll(), left());
    const stats = this.stats();
    await withTimeout(this.teardown(), Math.max(left(), 1000));
    this.logger.info({ recordsRead: stats.recordsRead, recordsEmitted: stats.recordsEmitted, checkpointsWritten: stats.checkpointsWritten }, 'pipeline stopped');
    return stats;
  }

  /** Releases every thread and connection; runs each step even when another throws. */
  private async teardown(): Promise<void> {
    const steps: Array<() => Promise<unknown>> = [
      ...this.hosts.map((h) => () => h.worker.terminate()),
      ...this.emitters.map((e) => () => closeEmitter(e)),
      () => this.pool?.destroy() ?? Promise.resolve(),
      () => this.source?.close() ?? Promise.resolve(),
      () => this.store.close(),
    ];
    this.stopping ??= Promise.resolve(this.stats());
    for (const h of this.hosts) h.relay.close();
    const results = await Promise.allSettled(steps.map((f) => f()));
    for (const r of results) {
      if (r.status === 'rejected') this.logger.error({ error: describeError(r.reason) }, 'a cleanup step failed during shutdown');
    }
  }
}

async function closeEmitter(e: EmitterThread): Promise<void> {
  if (!e.exited) {
    const closed = new Promise<void>((resolve) => {
      e.worker.on('message', (m: { type: string }) => { if (m.type === 'closed') resolve(); });
      e.worker.once('exit', () => resolve());
    });
    e.worker.postMessage({ type: 'close' });
    await withTimeout(closed, 5000);
  }
  await e.worker.terminate();
}

/** Resolves to true if `p` settled within `ms`, false on time-out. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
