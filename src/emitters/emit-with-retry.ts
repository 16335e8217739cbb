/**
 * The one retry layer of emitting: attempts at one batch, with jittered exponential backoff, until it
 * is stored, a failure is not retriable, the budget is spent or `signal` aborts. The SDK's own
 * transport retries sit below it (each attempt may make up to the client's `maxAttempts` calls); the
 * supervisor's actor restarts sit above it.
 */
import { retry, retryOptions, type BackoffOptions } from '../core/backoff.js';
import type { Batch } from '../core/batch.js';
import type { Emitter } from './emitter.js';

export interface EmitRetryOptions {
  /** Attempts at one batch, including the first. @defaultValue 6 */
  attempts?: number;
  /** Backoff between attempts. @defaultValue { baseMs: 100, maxMs: 5000 } */
  backoff?: Partial<BackoffOptions>;
  signal?: AbortSignal;
  /** Called before each wait with the failure, the attempt that failed (0-based) and the delay. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export const EMIT_RETRY_DEFAULTS = { attempts: 6, backoff: { baseMs: 100, maxMs: 5000 } satisfies BackoffOptions };

/** Emits `batch` with one retry budget; rejects with the last attempt's error. */
export function emitWithRetry(emitter: Emitter, batch: Batch, options: EmitRetryOptions = {}): Promise<{ location: string }> {
  const { attempts, backoff } = retryOptions(options.attempts, options.backoff, EMIT_RETRY_DEFAULTS);
  const memo = new Map<string, unknown>();
  return retry((number) => emitter.emit(batch, { number, memo }), { attempts, ...backoff, signal: options.signal, onRetry: options.onRetry });
}
