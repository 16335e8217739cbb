/** At most `limit` calls at once; the others wait their turn, first come first served. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a limiter needs a positive whole limit, got ${limit}`);
  }

  /** Calls in progress. */
  get running(): number {
    return this.active;
  }

  /** Calls waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `fn` once fewer than `limit` calls are in progress; its result or failure is passed on. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    // A call that ends hands its turn to the first waiting one (`active` stays as it is).
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
