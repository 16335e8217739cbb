/**
 * Comlink over Node worker threads, with the two things comlink lacks: errors keep `name`, `code`,
 * `retriable` and `permanent` across the hop, and a call to a thread that dies (its port closes) rejects
 * instead of hanging.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { ThreadError } from '../core/errors.js';
import { deserializeError, serializeError, type SerializedError } from './protocol.js';

let registered = false;

/** Replaces comlink's "throw" handler so errors keep their fields. Idempotent; call in every thread. */
export function registerErrorTransfer(): void {
  if (registered) return;
  registered = true;
  // comlink does not export its "thrown" marker; its own handler knows how to recognise a throw.
  const builtin = Comlink.transferHandlers.get('throw')!;
  const handler: Comlink.TransferHandler<{ value: unknown }, SerializedError> = {
    canHandle: (value): value is { value: unknown } => builtin.canHandle(value),
    serialize: ({ value }) => [serializeError(value), []],
    deserialize: (s) => {
      throw deserializeError(s);
    },
  };
  Comlink.transferHandlers.set('throw', handler);
}

registerErrorTransfer();

export const transfer = Comlink.transfer;

/** Serves `api` on `port`. */
export function serve(api: object, port: MessagePort | Worker): void {
  Comlink.expose(api, nodeEndpoint(port));
}

/** The view of an API served on another thread: every method answers a promise. */
export type Promisified<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never };

/**
 * A proxy for the API served on the other side of `port`. Every call made through it rejects with
 * a ThreadError once the port closes (the other thread exited or was terminated).
 */
export function connect<T extends object>(port: MessagePort, label: string): Promisified<T> & { close(): void } {
  const remote = Comlink.wrap<T>(nodeEndpoint(port)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  let closedError: ThreadError | undefined;
  const pending = new Set<(err: Error) => void>();
  port.once('close', () => {
    closedError = new ThreadError(`${label} is gone: its thread exited or closed the channel`);
    for (const reject of pending) reject(closedError);
    pending.clear();
  });
  return new Proxy({}, {
    get(_target, prop) {
      if (prop === 'close') return () => port.close();
      if (prop === 'then') return undefined;
      return (...args: unknown[]) => {
        if (closedError) return Promise.reject(closedError);
        return new Promise((resolve, reject) => {
          pending.add(reject);
          remote[prop as string](...args).then(
            (v) => { pending.delete(reject); resolve(v); },
            (e: Error) => { pending.delete(reject); reject(e); },
          );
        });
      };
    },
  }) as Promisified<T> & { close(): void };
}
