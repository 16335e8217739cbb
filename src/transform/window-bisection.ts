/**
 * Bisection of a window whose transform stopped or killed its pool thread (a transform stuck in a
 * loop on one record, `process.exit()` on it, an uncaught asynchronous error): the window is split
 * in two halves that run on their own (concurrently), a half that fails the same way is split
 * again, and so on until the failing part is one record, which is reported as a failure (it goes to
 * the dead-letter sink) while every other record is transformed once. One bad record in a window of
 * n records costs two pool calls per level: at most 2·ceil(log2 n) calls beyond the first.
 */
import type { RecordWindow, TransformResult } from '../core/records.js';
import { isolatedFailure, mergeHalves } from './merge-results.js';
import { PoolFault } from './pool-fault.js';
import { sliceWindow } from './record-window.js';

/** Runs a copy of a window in the pool (the window itself stays); rejects with PoolFault when it may be bisected. */
export type PoolAttempt = (w: RecordWindow) => Promise<TransformResult>;

/** Told of each record found to stop or kill its thread on its own (a window of one record). */
export type OnIsolated = (w: RecordWindow, fault: PoolFault) => void;

/** The result for window `w`, which failed whole with `fault`, from its bisected parts. */
export async function bisectWindow(w: RecordWindow, fault: PoolFault, attempt: PoolAttempt, onIsolated: OnIsolated): Promise<TransformResult> {
  const n = w.offsets.length - 1;
  if (n <= 1) {
    onIsolated(w, fault);
    return isolatedFailure(w, fault);
  }
  const split = Math.ceil(n / 2);
  const part = async (from: number, to: number): Promise<TransformResult> => {
    const sub = sliceWindow(w, from, to);
    try {
      return await attempt(sub);
    } catch (err) {
      if (!(err instanceof PoolFault)) throw err;
      return bisectWindow(sub, err, attempt, onIsolated);
    }
  };
  const [left, right] = await Promise.all([part(0, split), part(split, n)]);
  return mergeHalves(left, right, split, w);
}
