/**
 * Why the pool gave no answer for a window when the fault may lie in one of its records: the
 * transform ran past `transform.timeoutMs` (Piscina ended its thread), or its thread died under it.
 */
import { ConnectorError, describeError } from '../core/errors.js';

/** The window's thread was stopped or died: bisecting the window finds the record that did it. */
export class PoolFault extends ConnectorError {
  constructor(code: 'TRANSFORM_TIMEOUT' | 'THREAD_EXIT', message: string, cause: unknown) {
    super(message, { code, retriable: true, cause });
    this.name = code;
  }
}

/**
 * What Piscina 5 rejects a task with when its thread exits (`process.exit(code)`, or the thread was
 * terminated): a plain Error with this message. A thread that dies of an uncaught exception or an
 * unhandled rejection instead rejects its task with the thrown value itself (cloned from the thread).
 */
const EXITED = /^worker exited with code: (-?\d+)$/;

/** What Piscina rejects a task with when the pool is destroyed under it. */
const TERMINATING = 'Terminating worker thread';

/**
 * Classifies a rejected `pool.run`: a PoolFault when the window's own time-out fired or its thread
 * died, or undefined for anything else (the pool closing), which fails the window as it is. Tasks
 * that fail by themselves are answered as values (see `transform-task.ts`), so they never get here.
 */
export function classifyPoolFailure(err: unknown, signal: AbortSignal, timeoutMs: number): PoolFault | undefined {
  const e = err as { name?: unknown; message?: unknown } | null;
  if (signal.aborted && e?.name === 'AbortError') {
    return new PoolFault('TRANSFORM_TIMEOUT', `the transform did not finish within transform.timeoutMs (${timeoutMs} ms)`, err);
  }
  if (e?.name === 'AbortError' || (err instanceof Error && err.message === TERMINATING)) return undefined;
  const exited = err instanceof Error ? EXITED.exec(err.message) : null;
  if (exited) return new PoolFault('THREAD_EXIT', `the transform thread exited with code ${exited[1]}`, err);
  return new PoolFault('THREAD_EXIT', `the transform thread died of an uncaught error: ${describeError(err)}`, err);
}
