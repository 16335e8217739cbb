/**
 * How many records the next window of a shard holds (`transform.windowTargetMs`).
 *
 * Each window costs the pipeline about the same whatever it holds (packing, a message to the relay
 * and one to a pool thread, the result's way back); its records cost what the transform spends on
 * them. With a fixed count, a light transform pays the window's cost on few records (100-byte
 * records through no transform: 500 records a window ran 28% more CPU a record than 2,000), and a
 * heavy one can make windows so long that they reach `transform.timeoutMs`. So the windows are
 * sized from the time the pool threads took per record on this shard's windows so far: about
 * `targetMs` of transform work a window, between 1 and `maxRecords`. Until a window has been timed,
 * and always with `targetMs` 0, a window holds `transform.windowRecords`.
 */
export const MAX_WINDOW_RECORDS = 10_000;

/** How much of the per-record time learned so far each newly timed window leaves. */
const KEEP = 0.7;

export class WindowSizer {
  /** Decayed sums of the timed windows' milliseconds and records: the time a record takes, weighted by records. */
  private ms = 0;
  private records = 0;

  constructor(private readonly first: number, private readonly targetMs: number, private readonly maxRecords = MAX_WINDOW_RECORDS) {}

  /** Records for the next window. */
  get size(): number {
    if (this.targetMs === 0 || this.records === 0) return this.first;
    const perRecordMs = this.ms / this.records;
    if (perRecordMs <= 0) return this.maxRecords;
    return Math.max(1, Math.min(this.maxRecords, Math.round(this.targetMs / perRecordMs)));
  }

  /** A window of `records` took `runMs` in its pool thread (undefined: not timed, as after a bisection). */
  observe(records: number, runMs: number | undefined): void {
    if (this.targetMs === 0 || runMs === undefined || !(runMs >= 0) || records <= 0) return;
    this.ms = this.ms * KEEP + runMs;
    this.records = this.records * KEEP + records;
  }
}
