/** How long a failed shard actor waits before its replacement starts. */
import { backoffDelay } from '../core/backoff.js';
import type { ResolvedConfig } from '../config/config.js';

export interface RestartDecision {
  delayMs: number;
  /** The budget (`maxRestarts` within `windowMs`) is spent: retrying every `slowRetryMs`. */
  exhausted: boolean;
  /** Restarts within the window before this one. */
  recent: number;
}

/**
 * Jittered exponential backoff over the restarts of the last `windowMs`; once `maxRestarts` are
 * spent, a slow retry every `slowRetryMs` (a shard is never given up). Updates `restarts` (start
 * times) in place: old ones are dropped and this one is added.
 */
export function nextRestart(restarts: number[], policy: ResolvedConfig['restart'], now = Date.now()): RestartDecision {
  const recent = restarts.filter((t) => now - t < policy.windowMs);
  restarts.length = 0;
  restarts.push(...recent, now);
  if (recent.length < policy.maxRestarts) return { delayMs: backoffDelay(recent.length, policy), exhausted: false, recent: recent.length };
  return { delayMs: policy.slowRetryMs, exhausted: true, recent: recent.length };
}

/**
 * The delay before replacing a dead thread: none for its first replacement within `windowMs`, then
 * the restart backoff. Keeps the replacement times per thread key.
 */
export class RespawnPolicy {
  private readonly times = new Map<string, number[]>();

  constructor(private readonly policy: ResolvedConfig['restart']) {}

  delay(key: string, now = Date.now()): number {
    const recent = (this.times.get(key) ?? []).filter((t) => now - t < this.policy.windowMs);
    recent.push(now);
    this.times.set(key, recent);
    return recent.length <= 1 ? 0 : backoffDelay(recent.length - 2, this.policy);
  }
}
