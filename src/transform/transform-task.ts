/** What a transform pool thread does with one task: load the module once, then run windows. */
import type { RecordWindow, TransformResult } from '../core/records.js';
import { serializeError, type SerializedError } from '../threads/protocol.js';
import { TransformRunner } from './transform-runner.js';

let runner: Promise<TransformRunner> | undefined;

/** A window to transform (with the relay's id for it), or `{ probe: true }` to load the module and report load errors. */
export type TransformTask = (RecordWindow & { taskId?: number }) | { probe: true };

/**
 * A pool thread's answer to a task: the result, null for a probe, or the error that failed the
 * task as a whole (a module that does not load). That error is answered, not thrown, so a task
 * the pool rejects always means its thread was stopped (time-out) or died, and keeps its name.
 */
export type TransformAnswer = TransformResult | null | { taskError: SerializedError };

/** What a pool thread posts on its parentPort when it starts a task (the relay's clock starts then). */
export interface TaskStarted {
  type: 'transform-task-started';
  taskId: number;
}

export function isTaskStarted(m: unknown): m is TaskStarted {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'transform-task-started';
}

async function handleTransformTask(module: string | undefined, task: TransformTask, started: (m: TaskStarted) => void): Promise<TransformResult | null> {
  runner ??= TransformRunner.load(module);
  const r = await runner;
  if ('probe' in task) return null;
  // The module is loaded (a new thread loads it first): the window's time starts now.
  if (task.taskId !== undefined) started({ type: 'transform-task-started', taskId: task.taskId });
  const startedAt = performance.now();
  const result = await r.run(task);
  result.runMs = performance.now() - startedAt;
  return result;
}

/** Runs a task, telling `started` when the window starts; a failed task is answered as `{ taskError }`. */
export async function answerTransformTask(module: string | undefined, task: TransformTask, started: (m: TaskStarted) => void): Promise<TransformAnswer> {
  try {
    return await handleTransformTask(module, task, started);
  } catch (err) {
    return { taskError: serializeError(err) };
  }
}
