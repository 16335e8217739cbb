/**
 * The transform pool (one Piscina pool per process, owned by the main thread) and the relay that
 * serves it to each shard host thread: windows come in, results go back, buffers moved both ways.
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ConnectorError } from '../core/errors.js';
import type { RecordWindow, TransformResult } from '../core/records.js';
import type { TransformApi } from '../threads/protocol.js';
import { serve, transfer } from '../threads/rpc.js';
import { probeTransformModule } from './probe-transform-module.js';
import { windowTransferables } from './record-window.js';

/** Starts the pool and has one thread load the module, so a broken module fails the start-up. */
export async function startTransformPool(options: { threads: number; module?: string; loadTimeoutMs: number; workers: URL }): Promise<Piscina> {
  const pool = new Piscina({
    filename: new URL('transform-thread.js', options.workers).href,
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: Infinity,
    workerData: { module: options.module },
  });
  try {
    await probeTransformModule(pool, options.module, options.loadTimeoutMs);
  } catch (err) {
    await pool.destroy().catch(() => undefined);
    throw err;
  }
  return pool;
}

/** Serves the pool on `port` for one host thread; a window that runs past `timeoutMs` fails. */
export function serveTransformRelay(pool: Piscina, port: MessagePort, timeoutMs: number): void {
  const api: TransformApi = {
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
      return transfer(r, [r.data, r.offsets.buffer as ArrayBuffer, r.keptIndex.buffer as ArrayBuffer, r.keys, r.keyOffsets.buffer as ArrayBuffer]);
    },
  };
  serve(api, port);
}
