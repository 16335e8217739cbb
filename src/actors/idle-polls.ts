/** How long a shard at its tip waits between empty answers: the default backoff's ceiling and the waits' alignment. */

/** `reader.maxIdlePollIntervalMs` when unset: idle polls at about 100 a second per process, whatever its shard count. */
export const DEFAULT_IDLE_POLL_MS_PER_SHARD = 10;
export const DEFAULT_MAX_IDLE_POLL_CAP_MS = 30_000;

/** The longest idle wait when `reader.maxIdlePollIntervalMs` is unset: 10 ms per shard the process reads, within `pollIntervalMs` .. 30 s. */
export function defaultMaxIdlePollMs(pollIntervalMs: number, shardsInProcess: number): number {
  return Math.max(pollIntervalMs, Math.min(DEFAULT_MAX_IDLE_POLL_CAP_MS, DEFAULT_IDLE_POLL_MS_PER_SHARD * shardsInProcess));
}

/** Idle waits of this long or longer are aligned (see `alignedWait`). */
const ALIGN_WAITS_FROM_MS = 1000;

/**
 * A wait of a second or more, lengthened by less than a tenth of it so that it ends on the clock's
 * grid of a tenth of it (rounded down to 100 ms: 100 ms for a 1 s wait, 1 s for a 10 s one). The
 * idle polls of many shards then start in the same turn of the event loop and their answers come
 * back together, where each alone would wake the thread twice: 1,000 idle shards at 10 s cost
 * 2.6–3.6% of a core on their host thread against 5.1–5.8% unaligned (bench/README.md). Shorter
 * waits (a busy stream's, or a test's) are left as they are.
 */
export function alignedWait(ms: number, now = Date.now()): number {
  if (ms < ALIGN_WAITS_FROM_MS) return ms;
  const grid = Math.floor(ms / 1000) * 100;
  return Math.ceil((now + ms) / grid) * grid - now;
}
