/**
 * The transform pool (one Piscina pool per process, owned by the main thread) and the relay that
 * serves it to each shard host thread: windows come in, results go back, buffers moved both ways.
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { describeError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { sequenceNumberOf, type RecordWindow, type TransformResult } from '../core/records.js';
import { deserializeError, type TransformApi } from '../threads/protocol.js';
import { serve, transfer } from '../threads/rpc.js';
import { POOL_THREAD_LIMITS } from '../threads/thread-limits.js';
import { classifyPoolFailure, PoolFault } from './pool-fault.js';
import { probeTransformModule } from './probe-transform-module.js';
import { movable, sliceWindow, windowTransferables } from './record-window.js';
import { taskClock } from './task-clock.js';
import type { TransformAnswer } from './transform-task.js';
import { bisectWindow } from './window-bisection.js';

/** Starts the pool and has one thread load the module, so a broken module fails the start-up. */
export async function startTransformPool(options: { threads: number; module?: string; loadTimeoutMs: number; workers: URL; logger?: Logger }): Promise<Piscina> {
  const logger = options.logger ?? silentLogger;
  const pool = new Piscina({
    filename: new URL('transform-thread.js', options.workers).href,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Infinity,
    workerData: { module: options.module },
    resourceLimits: POOL_THREAD_LIMITS,
  });
  // A thread that dies under a task is reported by the relay, with the window. Piscina reports one
  // that dies running no task as an 'error' event, which must not go unheard (it would end the
  // process). Idle threads wait in Atomics.wait, so a late timer of the transform fires only during
  // the thread's next task, and is reported with that one.
  pool.on('error', (err) => logger.error({ error: describeError(err) }, 'a transform pool thread died outside a task; Piscina starts a new one'));
  try {
    await probeTransformModule(pool, options.module, options.loadTimeoutMs);
  } catch (err) {
    await pool.destroy().catch(() => undefined);
    throw err;
  }
  return pool;
}

/** Runs windows in the pool for the shard host threads, bisecting a window whose thread was stopped or died. */
export class TransformRelay {
  /** Tasks given to the pool so far (bisection adds some). */
  poolCalls = 0;

  constructor(private readonly pool: Piscina, private readonly timeoutMs: number, private readonly logger: Logger = silentLogger) {}

  /** The result for `window`; records that stop or kill their thread on their own come back as failures. */
  async run(window: RecordWindow): Promise<TransformResult> {
    try {
      return await this.attempt(window);
    } catch (err) {
      if (!(err instanceof PoolFault)) throw err;
      const n = window.offsets.length - 1;
      this.logger.warn({ shardId: window.shardId, records: n, firstSequenceNumber: sequenceNumberOf(window, 0),
        lastSequenceNumber: sequenceNumberOf(window, n - 1), cause: `${err.name}: ${err.message}` },
      'the transform of a window failed; bisecting it to find the record');
      return bisectWindow(window, err, (w) => this.attempt(w), (w, fault) => {
        this.logger.error({ shardId: w.shardId, sequenceNumber: sequenceNumberOf(w, 0), cause: `${fault.name}: ${fault.message}` },
          'a record stops or kills its transform thread; it goes to the dead-letter sink');
      });
    }
  }

  /** One pool call for a copy of `w` (which stays here, so it can be bisected). */
  private async attempt(w: RecordWindow): Promise<TransformResult> {
    const copy = sliceWindow(w, 0, w.offsets.length - 1);
    // transform.timeoutMs counts from when a thread starts the task, not from when it was queued.
    const clock = taskClock(this.pool, this.timeoutMs);
    this.poolCalls++;
    let answer: TransformAnswer;
    try {
      // On time-out Piscina ends the thread running the task (a transform stuck in a loop cannot
      // be interrupted any other way) and starts a new one.
      answer = await this.pool.run({ ...copy, taskId: clock.taskId }, { transferList: windowTransferables(copy), signal: clock.signal }) as TransformAnswer;
    } catch (err) {
      const fault = classifyPoolFailure(err, clock.signal, this.timeoutMs);
      if (!fault) throw err;
      if (fault.name === 'THREAD_EXIT') {
        this.logger.error({ shardId: w.shardId, records: w.offsets.length - 1, error: fault.message }, 'a transform pool thread died; Piscina starts a new one');
      }
      throw fault;
    } finally {
      clock.done();
    }
    if (!answer) throw new Error('the transform pool answered a window with nothing');
    if ('taskError' in answer) throw deserializeError(answer.taskError);
    return answer;
  }
}

/**
 * Serves the pool on `port` for one host thread; see TransformRelay. `observe` hears how long each
 * window took, from its arrival to its result (queueing and bisection included).
 */
export function serveTransformRelay(pool: Piscina, port: MessagePort, timeoutMs: number, logger: Logger = silentLogger,
  observe?: (shardId: string, seconds: number) => void): void {
  const relay = new TransformRelay(pool, timeoutMs, logger);
  const api: TransformApi = {
    async run(window: RecordWindow) {
      const startedAt = performance.now();
      const r = await relay.run(window);
      observe?.(window.shardId, (performance.now() - startedAt) / 1000);
      return transfer(r, movable([r.data, r.offsets.buffer, r.keptIndex.buffer, r.keys, r.keyOffsets.buffer, r.arrivals.buffer, ...(r.partitionOf ? [r.partitionOf.buffer] : [])]));
    },
  };
  serve(api, port);
}
