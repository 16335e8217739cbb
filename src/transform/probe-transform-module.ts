/**
 * The start-up check of the transform module: one pool thread loads it, within a time limit, and
 * every way that can fail becomes a TransformModuleError naming the module's file.
 */
import type { Piscina } from 'piscina';
import { TransformModuleError, describeError } from '../core/errors.js';
import { deserializeError } from '../threads/protocol.js';
import type { TransformAnswer } from './transform-task.js';

/** What is being loaded, for messages: the file, or the pass-through transform. */
function moduleName(module: string | undefined): string {
  return module === undefined ? 'the built-in pass-through transform' : `transform module ${module}`;
}

/**
 * Has a thread of `pool` load `module`. Rejects when it fails to load, when its thread ends while
 * loading it (a `process.exit()` at its top level), or when loading takes longer than
 * `loadTimeoutMs` (a top-level `await` that never settles): the thread is then ended.
 */
export async function probeTransformModule(pool: Piscina, module: string | undefined, loadTimeoutMs: number): Promise<void> {
  let answer: TransformAnswer;
  try {
    answer = await pool.run({ probe: true }, { signal: AbortSignal.timeout(loadTimeoutMs) }) as TransformAnswer;
  } catch (err) {
    throw loadError(err, module, loadTimeoutMs);
  }
  // The thread answers a module that fails to load as a value (keeping the error's name).
  if (answer && 'taskError' in answer) throw loadError(deserializeError(answer.taskError), module, loadTimeoutMs);
}

function loadError(err: unknown, module: string | undefined, loadTimeoutMs: number): TransformModuleError {
  const e = err as Error;
  // The thread's own TransformModuleError arrives as a plain Error (Piscina keeps only the message).
  if (e.name === 'TransformModuleError' || String(e.message).startsWith('transform module ')) return new TransformModuleError(e.message, err);
  const name = moduleName(module);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return new TransformModuleError(`${name} did not finish loading within transform.loadTimeoutMs (${loadTimeoutMs} ms); `
      + 'does its top level await something that never settles?', err);
  }
  const exited = /worker exited with code:? (-?\d+)/.exec(String(e.message));
  if (exited) {
    return new TransformModuleError(`${name} ended its thread while loading, with exit code ${exited[1]} `
      + '(process.exit() at its top level?)', err);
  }
  return new TransformModuleError(`the transform pool failed to start loading ${name}: ${describeError(err)}`, err);
}
