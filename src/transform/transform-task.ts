/** What a transform pool thread does with one task: load the module once, then run windows. */
import type { RecordWindow, TransformResult } from '../core/records.js';
import { TransformRunner } from './transform-runner.js';

let runner: Promise<TransformRunner> | undefined;

/** A task is a window to transform, or `{ probe: true }` to load the module and report load errors. */
export async function handleTransformTask(module: string | undefined, task: RecordWindow | { probe: true }): Promise<TransformResult | null> {
  runner ??= TransformRunner.load(module);
  const r = await runner;
  if ('probe' in task) return null;
  return r.run(task);
}
