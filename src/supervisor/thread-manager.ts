/**
 * The supervisor's threads: the transform pool, the emitter threads and the shard host threads.
 * Spawns them, connects each host to every emitter and to the pool relay, replaces a thread that
 * dies (after a backoff from its second death within the restart window) and tears them all down.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { ResolvedConfig } from '../config/config.js';
import { ThreadError, describeError } from '../core/errors.js';
import { dispatchLog, type LogEvent, type Logger } from '../core/logger.js';
import { withTimeout } from '../core/with-timeout.js';
import {
  deserializeError, type BoundaryApi, type DrainedActor, type EmitterThreadData, type HostEvent, type LoopDelayEvent, type SerializedError, type ShardHostApi, type ShardHostData,
} from '../threads/protocol.js';
import { connect, serve, transfer } from '../threads/rpc.js';
import { serveTransformRelay, startTransformPool } from '../transform/pool-relay.js';
import { hostThreadCount, IO_THREAD_LIMITS } from '../threads/thread-limits.js';
import type { ShardInfo } from '../sources/shard-source.js';
import { RespawnPolicy } from './restart-policy.js';

const WORKERS = new URL('../../workers/', import.meta.url);

type HostApi = ShardHostApi & { replaceEmitter(index: number, port: MessagePort): void };

export interface HostThread {
  index: number;
  worker: Worker;
  api: ReturnType<typeof connect<HostApi>>;
  relay: MessagePort;
  /** This side of the boundary journal's channel, when there is one. */
  journal?: MessagePort;
  exited: boolean;
}

interface EmitterThread {
  index: number;
  worker: Worker;
  exited: boolean;
}

type EmitterMessage = LogEvent | LoopDelayEvent | { type: 'closed' | 'ready' } | { type: 'failed'; error: SerializedError };

export interface ThreadEvents {
  /** An event from a shard host thread (logs are dispatched to the logger before this). */
  hostEvent(event: HostEvent): void;
  /** A host thread exited while running; a new one is on its way, its actors must be restarted. */
  hostExited(index: number, code: number): void;
  /** A host or emitter thread's event-loop delay (about once a second per thread). */
  loopDelay?(event: LoopDelayEvent): void;
  /** The pool relay answered a window after `seconds` (bisection included). */
  transformed?(shardId: string, seconds: number): void;
  /** The boundary journal each host thread is given (exactly-once objects); absent: none. */
  boundaries?: BoundaryApi;
}

/** The transform pool's load, as Piscina reports it. */
export interface PoolLoad {
  /** Share of the pool's capacity used since it started (0 to 1). */
  utilization: number;
  /** Windows waiting for a thread. */
  queueSize: number;
  threads: number;
}

export class ThreadManager {
  private pool: Piscina | undefined;
  private poolStarting: Promise<void> | undefined;
  private emittersStarted: Promise<void> | undefined;
  private hosts: HostThread[] = [];
  private emitters: EmitterThread[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly respawns: RespawnPolicy;
  /** From `start()` resolving until `close()`: a thread that exits is replaced. */
  private replacing = false;

  constructor(private readonly config: ResolvedConfig, private readonly logger: Logger, private readonly events: ThreadEvents) {
    this.respawns = new RespawnPolicy(config.restart);
  }

  get hostCount(): number {
    return this.hosts.length;
  }

  get emitterCount(): number {
    return this.emitters.length;
  }

  host(index: number): HostThread {
    return this.hosts[index];
  }

  /** The pool's load (undefined before it started). */
  poolLoad(): PoolLoad | undefined {
    const pool = this.pool;
    return pool && { utilization: pool.utilization, queueSize: pool.queueSize, threads: pool.threads.length };
  }

  /**
   * Starts the transform pool, whose first thread loads the transform module: rejects when the
   * module is broken. Needs no shard count, so it can run before (or while) the shards are listed.
   */
  startPool(): Promise<void> {
    this.poolStarting ??= (async () => {
      const { threads, module, loadTimeoutMs } = this.config.transform;
      this.pool = await startTransformPool({ threads, module, loadTimeoutMs, workers: WORKERS, logger: this.logger });
    })();
    return this.poolStarting;
  }

  /**
   * Starts the emitter threads (once); the first one runs the sink's start-up check before it
   * answers, so this rejects with the check's SinkCheckError when the sink fails it.
   */
  startEmitters(): Promise<void> {
    this.emittersStarted ??= (async () => {
      for (let i = 0; i < this.config.emitter.threads; i++) {
        const emitter = await this.spawnEmitter(i, i === 0);
        this.emitters.push(emitter);
        // A host thread started before this emitter (the first one, which lists the shards) is
        // connected to it now; those started later connect to every emitter when they spawn.
        for (const host of this.hosts) this.connectEmitter(emitter, host);
      }
    })();
    return this.emittersStarted;
  }

  /**
   * Starts the first host thread (once), before the shards are listed: the supervisor lists them
   * through it (`listShards`), so the main thread loads no Kinesis client. Resolves once it is up.
   */
  async startFirstHost(): Promise<void> {
    if (this.hosts.length === 0) this.hosts.push(this.spawnHost(0));
    await this.hosts[0].api.ready();
  }

  /** The stream's shards, listed by the first live host thread. */
  listShards(): Promise<ShardInfo[]> {
    const host = this.hosts.find((h) => !h.exited);
    if (!host) return Promise.reject(new ThreadError('no shard host thread is running to list the shards'));
    return host.api.listShards();
  }

  private connectEmitter(emitter: EmitterThread, host: HostThread): void {
    if (host.exited) return;
    const { port1, port2 } = new MessageChannel();
    emitter.worker.postMessage({ type: 'connect', port: port1 }, [port1]);
    void host.api.replaceEmitter(emitter.index, transfer(port2, [port2])).catch(() => undefined);
  }

  /** Starts the pool and the emitter threads (unless started), and the host threads (see `hostThreadCount`). */
  async start(shardCount: number): Promise<void> {
    const { config } = this;
    await Promise.all([this.startPool(), this.startEmitters()]);
    const hostCount = hostThreadCount(config.shards.hostThreads, shardCount);
    for (let i = this.hosts.length; i < hostCount; i++) this.hosts.push(this.spawnHost(i));
    // Every thread is up and has loaded its modules before the first actor starts.
    await Promise.all(this.hosts.map((h) => h.api.ready()));
    this.replacing = true;
  }

  /** Stops every actor gracefully on every live host thread; their final positions. */
  async stopAllActors(): Promise<DrainedActor[]> {
    const reports: DrainedActor[] = [];
    await Promise.allSettled(this.hosts.filter((h) => !h.exited).map(async (h) => {
      reports.push(...await h.api.stopAll());
    }));
    return reports;
  }

  /** Terminates a host thread on purpose (fault drill). */
  async killHost(index: number): Promise<boolean> {
    const host = this.hosts[index];
    if (!host) return false;
    await host.worker.terminate();
    return true;
  }

  /** No more replacements from here on. */
  stopReplacing(): void {
    this.replacing = false;
    for (const t of this.timers) clearTimeout(t);
  }

  /** Releases every thread; runs each step even when another throws and reports the failures. */
  async close(): Promise<unknown[]> {
    this.stopReplacing();
    for (const h of this.hosts) {
      h.relay.close();
      h.journal?.close();
    }
    const steps: Array<() => Promise<unknown>> = [
      ...this.hosts.map((h) => () => h.worker.terminate()),
      ...this.emitters.map((e) => () => closeEmitter(e)),
      () => this.pool?.destroy() ?? Promise.resolve(),
    ];
    const results = await Promise.allSettled(steps.map((f) => f()));
    return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  }

  private after(delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
  }

  private spawnEmitter(index: number, check = false): Promise<EmitterThread> {
    const workerData: EmitterThreadData = { emitterIndex: index, config: this.config, check };
    const worker = new Worker(new URL('emitter-thread.js', WORKERS), { workerData, resourceLimits: IO_THREAD_LIMITS });
    const thread: EmitterThread = { index, worker, exited: false };
    worker.on('message', (m: EmitterMessage) => {
      if (m.type === 'log') dispatchLog(this.logger, m);
      else if (m.type === 'loop-delay') this.events.loopDelay?.(m);
    });
    worker.on('error', (err) => this.logger.error({ emitterThread: index, error: describeError(err) }, 'emitter thread crashed'));
    worker.on('exit', (code) => {
      thread.exited = true;
      if (this.replacing) this.replaceEmitter(thread, code);
    });
    return new Promise((resolve, reject) => {
      const onMessage = (m: EmitterMessage) => {
        if (m.type === 'ready') resolve(thread);
        else if (m.type === 'failed') reject(deserializeError(m.error));
        else return;
        worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new ThreadError(`emitter thread ${index} exited during start-up (code ${code})`)));
    });
  }

  private replaceEmitter(thread: EmitterThread, code: number): void {
    const delay = this.respawns.delay(`emitter-${thread.index}`);
    this.logger.error({ emitterThread: thread.index, exitCode: code, respawnInMs: delay }, 'emitter thread exited; starting a new one');
    this.after(delay, () => {
      if (!this.replacing) return;
      this.spawnEmitter(thread.index).then((fresh) => {
        this.emitters[thread.index] = fresh;
        for (const host of this.hosts) this.connectEmitter(fresh, host);
        // Actors using the dead thread fail on their own (their calls reject) and are restarted.
      }, (err) => this.logger.error({ emitterThread: thread.index, error: describeError(err) }, 'could not restart the emitter thread'));
    });
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
    // The first host thread starts with the pool (it lists the shards meanwhile): a relay is served
    // once the pool is up. No actor runs before that, and windows sent earlier would wait in the port.
    this.startPool().then(() => serveTransformRelay(this.pool!, relay.port1, this.config.transform.timeoutMs, this.logger,
      (shardId, seconds) => this.events.transformed?.(shardId, seconds)), () => undefined);
    const journal = this.events.boundaries ? new MessageChannel() : undefined;
    if (journal) serve(this.events.boundaries!, journal.port1);
    const data: ShardHostData = {
      hostIndex: index, config: this.config, control: control.port2, transform: relay.port2, emitters: emitterPorts, boundaries: journal?.port2,
    };
    const worker = new Worker(new URL('shard-host-thread.js', WORKERS), {
      workerData: data, transferList: [control.port2, relay.port2, ...emitterPorts, ...(journal ? [journal.port2] : [])], resourceLimits: IO_THREAD_LIMITS,
    });
    const host: HostThread = {
      index, worker, api: connect<HostApi>(control.port1, `shard host thread ${index}`), relay: relay.port1, journal: journal?.port1, exited: false,
    };
    worker.on('message', (event: HostEvent) => {
      if (event.type === 'log') dispatchLog(this.logger, event);
      else if (event.type === 'loop-delay') this.events.loopDelay?.(event);
      else this.events.hostEvent(event);
    });
    worker.on('error', (err) => this.logger.error({ hostThread: index, error: describeError(err) }, 'shard host thread crashed'));
    worker.on('exit', (code) => {
      host.exited = true;
      relay.port1.close();
      journal?.port1.close();
      if (this.replacing) this.replaceHost(host, code);
    });
    return host;
  }

  private replaceHost(host: HostThread, code: number): void {
    const delay = this.respawns.delay(`host-${host.index}`);
    this.logger.error({ hostThread: host.index, exitCode: code, respawnInMs: delay }, 'shard host thread exited; restarting its actors on a new thread');
    // Until it is replaced, calls to the dead thread reject, so its actors keep backing off.
    this.after(delay, () => {
      if (this.replacing) this.hosts[host.index] = this.spawnHost(host.index);
    });
    this.events.hostExited(host.index, code);
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
