/** Jittered exponential backoff and the one retry helper used across the project. */
import { ConfigError, isRetriable, showValue } from './errors.js';

export interface BackoffOptions {
  /** First delay. @defaultValue 100 */
  baseMs: number;
  /** Largest delay. @defaultValue 30000 */
  maxMs: number;
}

export const BACKOFF_DEFAULTS: BackoffOptions = { baseMs: 100, maxMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): "full jitter", a uniform draw in
 * `[0, min(maxMs, baseMs * 2^attempt)]`, with a floor of a quarter of the cap so retries never spin.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = BACKOFF_DEFAULTS, random = Math.random): number {
  const cap = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 4 + random() * (cap * 3) / 4);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions extends Partial<BackoffOptions> {
  /** Attempts in all, including the first. `Infinity` retries until `signal` aborts. */
  attempts: number;
  signal?: AbortSignal;
  /** Called before each wait with the failure and the delay about to be slept. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Decides what is retried. @defaultValue isRetriable */
  retriable?: (err: unknown) => boolean;
}

/** Runs `fn` until it succeeds, a non-retriable error is thrown, attempts run out or `signal` aborts. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(options.retriable ?? isRetriable)(err) || attempt + 1 >= options.attempts || options.signal?.aborted) throw err;
      // Worked out only on a failure: most calls (every idle shard's polls) succeed at once.
      const delay = backoffDelay(attempt, { ...BACKOFF_DEFAULTS, ...options });
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}

/** Validates an emitter's `attempts` and `backoff` options over its defaults; errors name the option. */
export function retryOptions(attempts: number | undefined, backoff: Partial<BackoffOptions> | undefined,
  defaults: { attempts: number; backoff: BackoffOptions }): { attempts: number; backoff: BackoffOptions } {
  const n = attempts ?? defaults.attempts;
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('attempts', `must be a positive integer, got ${showValue(attempts)}`);
  const merged = { ...BACKOFF_DEFAULTS, ...defaults.backoff, ...backoff };
  for (const key of ['baseMs', 'maxMs'] as const) {
    const v = merged[key];
    if (!Number.isFinite(v) || v < 0) throw new ConfigError(`backoff.${key}`, `must be a non-negative number, got ${showValue(v)}`);
  }
  return { attempts: n, backoff: merged };
}
