/** Each thread's event-loop delay, sampled by `perf_hooks` and read once per interval. */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LoopDelayEvent } from './protocol.js';

const RESOLUTION_MS = 20;

/** Starts measuring this thread's event-loop delay; `read()` gives the interval's figures and starts a new one. */
export function loopDelayMonitor(thread: string): { read(): LoopDelayEvent; stop(): void } {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  return {
    read() {
      // Nanoseconds, the sampling interval included; a histogram with no sample yet reports sentinels.
      const s = (ns: number) => (h.count > 0 && Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000 : 0);
      const event: LoopDelayEvent = { type: 'loop-delay', thread, p50: s(h.percentile(50)), p99: s(h.percentile(99)), max: s(h.max) };
      h.reset();
      return event;
    },
    stop: () => h.disable(),
  };
}
