/**
 * Times each pool task from the moment a pool thread starts it, not from when it was queued: a
 * window that waited behind other windows, or for a replacement thread to start, is not taken for
 * one that hung (bisection would then blame a record that never ran). The thread reports the start
 * of a task on its `parentPort` (see `transform-task.ts`), which Piscina passes on as a `message`.
 */
import type { Piscina } from 'piscina';
import { isTaskStarted } from './transform-task.js';

const clocks = new WeakMap<Piscina, Map<number, () => void>>();
let nextTaskId = 1;

function startsOf(pool: Piscina): Map<number, () => void> {
  let starts = clocks.get(pool);
  if (!starts) {
    const map = new Map<number, () => void>();
    pool.on('message', (m: unknown) => {
      if (!isTaskStarted(m)) return;
      map.get(m.taskId)?.();
      map.delete(m.taskId);
    });
    clocks.set(pool, starts = map);
  }
  return starts;
}

/** A task's id and a signal that aborts `timeoutMs` after its thread starts it; `done()` releases both. */
export function taskClock(pool: Piscina, timeoutMs: number): { taskId: number; signal: AbortSignal; done(): void } {
  const starts = startsOf(pool);
  const taskId = nextTaskId++;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  starts.set(taskId, () => {
    timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  });
  return {
    taskId,
    signal: controller.signal,
    done() {
      clearTimeout(timer);
      starts.delete(taskId);
    },
  };
}
