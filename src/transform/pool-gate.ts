/**
 * Admits at most one task per pool thread into the pool, first come first served, so a task
 * starts the moment Piscina accepts it and its `transform.timeoutMs` counts running time only:
 * a window that waited behind other shards' windows is not taken for one that hung (bisection
 * would then blame a record that never ran).
 */
export class PoolGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  /** Runs `task` once a thread is free for it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on as it is
      else this.running--;
    }
  }
}
