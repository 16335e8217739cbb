/** What a transform pool thread does with one task: load the module once, then run windows. */
import type { RecordWindow, TransformResult } from '../core/records.js';
import { serializeError, type SerializedError } from '../threads/protocol.js';
import { TransformRunner } from './transform-runner.js';

let runner: Promise<TransformRunner> | undefined;

/**
 * A pool thread's answer to a task: the result, null for a probe, or the error that failed the
 * task as a whole (a module that does not load). That error is answered, not thrown, so a task
 * the pool rejects always means its thread was stopped (time-out) or died, and keeps its name.
 */
export type TransformAnswer = TransformResult | null | { taskError: SerializedError };

/** A task is a window to transform, or `{ probe: true }` to load the module and report load errors. */
async function handleTransformTask(module: string | undefined, task: RecordWindow | { probe: true }): Promise<TransformResult | null> {
  runner ??= TransformRunner.load(module);
  const r = await runner;
  if ('probe' in task) return null;
  return r.run(task);
}

/** `handleTransformTask`, with a failed task answered as `{ taskError }`. */
export async function answerTransformTask(module: string | undefined, task: RecordWindow | { probe: true }): Promise<TransformAnswer> {
  try {
    return await handleTransformTask(module, task);
  } catch (err) {
    return { taskError: serializeError(err) };
  }
}
