/**
 * `bench`'s transform figures: the transform module's rate on one thread (the project's
 * TransformRunner on the main thread, the code the pool threads run) and through the transform pool
 * (Piscina with the project's transform thread, fed by the pipeline's TransformRelay) at each thread
 * count from 1 to the cores, then at a few window sizes; and the settings they suggest.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ConnectorError } from '../../core/errors.js';
import type { RecordWindow, SourceRecord, TransformResult } from '../../core/records.js';
import { startTransformPool, TransformRelay } from '../../transform/pool-relay.js';
import { packWindow } from '../../transform/record-window.js';
import { TransformRunner } from '../../transform/transform-runner.js';

const WORKERS = new URL('../../../workers/', import.meta.url);

/**
 * Timed passes over the sample per figure: at least MIN_PASSES, more until MIN_SECONDS have passed
 * (at most MAX_PASSES). The fastest pass counts: the others absorb what other processes took.
 */
const PASSES = { min: 2, max: 10, minSeconds: 0.5 };
/** Windows in flight per pool thread, so a thread never waits for the main thread between windows. */
const IN_FLIGHT_PER_THREAD = 2;
/** A thread count reaching this share of the best rate is enough. */
const ENOUGH_OF_BEST = 0.9;
/** Window sizes tried at the suggested thread count (besides the configured one). */
export const WINDOW_SIZES = [100, 500, 2000] as const;
/** Differences of window size rates below this share are noise: the configured size is kept. */
export const NOISE = 0.05;

export interface TransformSettings {
  module: string;
  windowRecords: number;
  timeoutMs: number;
  loadTimeoutMs: number;
}

/** What one pass over the sample did with its records. */
export interface Tally {
  records: number;
  emitted: number;
  filtered: number;
  failed: number;
  /** The first error a record threw, as `Name: message`. */
  firstError?: string;
}

export interface ThreadFigure { threads: number; rps: number; efficiency: number }
export interface WindowFigure { windowRecords: number; rps: number }

export interface TransformFigures {
  tally: Tally;
  singleThreadRps: number;
  threads: ThreadFigure[];
  windows: WindowFigure[];
  suggested: { threads: number; windowRecords: number; windowWithinNoise: boolean };
}

function windowsOf(records: readonly SourceRecord[], size: number): RecordWindow[] {
  const out: RecordWindow[] = [];
  for (let i = 0; i < records.length; i += size) out.push(packWindow('bench-sample', records, i, Math.min(records.length, i + size)));
  return out;
}

function emptyTally(): Tally {
  return { records: 0, emitted: 0, filtered: 0, failed: 0 };
}

function count(tally: Tally, w: RecordWindow, r: TransformResult): void {
  tally.records += w.offsets.length - 1;
  tally.emitted += r.keptIndex.length;
  tally.filtered += r.filtered;
  tally.failed += r.failures.length;
  const first = r.failures[0];
  if (first && tally.firstError === undefined) tally.firstError = `${first.error.name}: ${first.error.message}`;
}

/** Runs `pass` as PASSES says; the best rate, and the tally of the last pass. */
async function fastest(records: number, pass: () => Promise<Tally>): Promise<{ rps: number; tally: Tally }> {
  let rps = 0;
  let tally = emptyTally();
  const start = performance.now();
  for (let i = 0; i < PASSES.max && (i < PASSES.min || performance.now() - start < PASSES.minSeconds * 1000); i++) {
    const t0 = performance.now();
    tally = await pass();
    rps = Math.max(rps, records / ((performance.now() - t0) / 1000));
  }
  return { rps, tally };
}

/** The module on the main thread, window after window, as a pool thread runs it. */
export async function measureSingleThread(module: string, records: readonly SourceRecord[], windowRecords: number): Promise<{ rps: number; tally: Tally }> {
  const runner = await TransformRunner.load(module);
  const windows = windowsOf(records, windowRecords);
  const pass = async (ws: RecordWindow[]) => {
    const tally = emptyTally();
    for (const w of ws) count(tally, w, await runner.run(w));
    return tally;
  };
  // Warm-up: the module's code is compiled before the clock runs.
  await pass(windows.slice(0, Math.max(1, Math.ceil(windows.length / 10))));
  return fastest(records.length, () => pass(windows));
}

/** Sends every window through `relay`, `inFlight` at a time. */
async function runThrough(relay: TransformRelay, windows: readonly RecordWindow[], inFlight: number): Promise<Tally> {
  const tally = emptyTally();
  let next = 0;
  const lane = async () => {
    while (next < windows.length) {
      const w = windows[next++];
      count(tally, w, await relay.run(w));
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, windows.length) }, lane));
  return tally;
}

/** The pool's rate with `threads` threads over windows of `windowRecords`. */
export async function measurePool(settings: TransformSettings, records: readonly SourceRecord[], threads: number, windowRecords: number): Promise<number> {
  const pool = await startTransformPool({ threads, module: settings.module, loadTimeoutMs: settings.loadTimeoutMs, workers: WORKERS });
  try {
    const relay = new TransformRelay(pool, settings.timeoutMs);
    const windows = windowsOf(records, windowRecords);
    const inFlight = threads * IN_FLIGHT_PER_THREAD;
    // Warm-up: every thread loads the module and compiles its code before the clock runs.
    await runThrough(relay, windows.slice(0, inFlight * 2), inFlight);
    return (await fastest(records.length, () => runThrough(relay, windows, inFlight))).rps;
  } finally {
    await pool.destroy();
  }
}

/** The fewest threads whose rate reaches ENOUGH_OF_BEST of the best rate. */
export function suggestThreads(figures: readonly ThreadFigure[]): number {
  const best = Math.max(...figures.map((f) => f.rps));
  return figures.find((f) => f.rps >= ENOUGH_OF_BEST * best)!.threads;
}

/** The fastest window size, unless the configured one is within NOISE of it (then the configured one). */
export function suggestWindow(figures: readonly WindowFigure[], configured: number): { windowRecords: number; withinNoise: boolean } {
  const best = figures.reduce((a, b) => (b.rps > a.rps ? b : a));
  const mine = figures.find((f) => f.windowRecords === configured);
  if (mine && (best.rps - mine.rps) / best.rps < NOISE) return { windowRecords: configured, withinNoise: best !== mine };
  return { windowRecords: best.windowRecords, withinNoise: false };
}

/**
 * Window sizes to try with `threads` threads: the configured one and those of WINDOW_SIZES that cut
 * the sample into at least IN_FLIGHT_PER_THREAD windows a thread (bigger ones would leave threads idle).
 */
export function windowSizesToTry(configured: number, records: number, threads: number): number[] {
  const fits = WINDOW_SIZES.filter((s) => Math.ceil(records / s) >= threads * IN_FLIGHT_PER_THREAD);
  return [...new Set([...fits, configured])].sort((a, b) => a - b);
}

/** The single-thread rate and what the module did with the sample; rejects when every record throws (no rate is worth reporting then). */
export async function measureSingleThreadChecked(settings: TransformSettings, records: readonly SourceRecord[]): Promise<{ rps: number; tally: Tally }> {
  const single = await measureSingleThread(settings.module, records, settings.windowRecords);
  if (single.tally.failed === single.tally.records) throw new EveryRecordFailedError(settings.module, single.tally);
  return single;
}

/**
 * The pool figures (each thread count, then window sizes at the suggested count) read against the
 * single-thread rate (see {@link measureSingleThreadChecked}). `onProgress` hears each step.
 */
export async function measureTransform(settings: TransformSettings, records: readonly SourceRecord[], single: { rps: number; tally: Tally },
  onProgress: (step: string) => void = () => {}): Promise<TransformFigures> {
  const threads: ThreadFigure[] = [];
  for (let n = 1; n <= availableParallelism(); n++) {
    onProgress(`pool, ${n} thread(s)`);
    const rps = await measurePool(settings, records, n, settings.windowRecords);
    threads.push({ threads: n, rps, efficiency: rps / (n * single.rps) });
  }
  const suggestedThreads = suggestThreads(threads);
  const windows: WindowFigure[] = [];
  for (const size of windowSizesToTry(settings.windowRecords, records.length, suggestedThreads)) {
    onProgress(`pool, ${suggestedThreads} thread(s), windows of ${size}`);
    windows.push({ windowRecords: size, rps: await measurePool(settings, records, suggestedThreads, size) });
  }
  const window = suggestWindow(windows, settings.windowRecords);
  return { tally: single.tally, singleThreadRps: single.rps, threads, windows,
    suggested: { threads: suggestedThreads, windowRecords: window.windowRecords, windowWithinNoise: window.withinNoise } };
}

/** Every record of the sample threw in the transform: no rate is reported. */
export class EveryRecordFailedError extends ConnectorError {
  constructor(module: string, readonly tally: Tally) {
    super(`every one of the ${tally.records} sample records threw in the transform module ${module} (the first: ${tally.firstError}); `
      + 'no rate is reported: a rate of records that fail says nothing of the pipeline. Fix the module or give a sample it accepts (--from)',
    { code: 'EVERY_RECORD_FAILED' });
    this.name = 'EveryRecordFailedError';
  }
}
