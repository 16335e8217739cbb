/**
 * A shard actor: reads one shard, sends windows of records to the transform pool (several in
 * flight), puts the results back in sequence order, buffers them, hands flushed batches to an
 * emitter actor and keeps track of which are stored. Lightweight: many actors share one host
 * thread. It reports stored positions to the supervisor itself (one channel), so the supervisor
 * never sees individual acknowledgements.
 */
import { sleep } from '../core/backoff.js';
import { batchTransferables, emptyBatch, type Batch } from '../core/batch.js';
import { ConnectorError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { SourceRecords, StartAt, TransformResult } from '../core/records.js';
import { sequenceNumberIn } from '../core/record-spans.js';
import type { ResolvedConfig } from '../config/config.js';
import type { RawReadResult, ShardSource } from '../sources/shard-source.js';
import type { ActorStats, EmittedTotals, EmitterApi, ProgressEvent, TransformApi } from '../threads/protocol.js';
import { transfer, type Promisified } from '../threads/rpc.js';
import { packWindow, windowTransferables } from '../transform/record-window.js';
import { ShardAcks } from './ack-tracker.js';
import type { DeadLetterSink } from './dead-letter-sink.js';
import { deadLetterAggregate, deadLetterFailures } from './dead-letter-writes.js';
import { WindowSizer } from './window-sizer.js';
import { RecordBuffer } from './record-buffer.js';
import { RecordIntake, type CorruptAggregate, type Intake } from './record-intake.js';
import { alignedWait, defaultMaxIdlePollMs } from './idle-polls.js';

export interface ShardActorDeps {
  shardId: string;
  generation: number;
  startAt: StartAt;
  config: Pick<ResolvedConfig, 'buffer' | 'reader' | 'transform'>;
  source: Pick<ShardSource, 'openReader'>;
  transform: Promisified<TransformApi>;
  emitter: Promisified<EmitterApi>;
  deadLetter: Pick<DeadLetterSink, 'write' | 'location'>;
  /** Receives the actor's progress reports (stored positions). */
  report: (event: ProgressEvent) => void;
  logger: Logger;
  /** About how many shards the process reads (the default idle backoff follows it); 1 when absent. */
  shardsInProcess?: () => number;
  /**
   * Exactly-once objects: the shard's journal of batch boundaries. The actor cuts again where
   * the journal says, and journals every cut it makes by age or at a stop before that batch is
   * written. Absent: boundaries cut by age are not reproduced (at-least-once objects).
   */
  boundaries?: ShardBoundaries;
}

/** One shard's view of the boundary journal (see {@link BoundaryApi}). */
export interface ShardBoundaries {
  read(): Promise<string[]>;
  add(sequenceNumber: string): Promise<void>;
}

export class ShardActor {
  readonly shardId: string;
  readonly generation: number;
  private readonly buffer: RecordBuffer;
  private readonly windows: WindowSizer;
  private readonly acks = new ShardAcks();
  private readonly abort = new AbortController();
  private stopping = false;
  private failure: Error | null = null;
  private rejectRun: (err: Error) => void = () => {};
  private applyChain: Promise<void> = Promise.resolve();
  private readonly emits = new Set<Promise<void>>();
  private waiters: Array<() => void> = [];
  private windowsInFlight = 0;
  private bytesInFlight = 0;
  private batchNo = 0;
  /** Empty answers at the tip in a row (see `idleWait`). */
  private emptyAtTip = 0;
  private ageTimer: NodeJS.Timeout | undefined;
  private done: Promise<void> | undefined;
  /** Posted to the supervisor as they are (see `ActorStats`); `busy` is added from the getter. */
  readonly stats: Omit<ActorStats, 'busy'> = { read: 0, filtered: 0, deadLettered: 0, millisBehindLatest: 0, caughtUp: false, lastReadAt: Date.now() };
  /** What this actor has had stored (reported in progress events one batch at a time). */
  readonly emitted: EmittedTotals = { count: 0, bytes: 0, batches: 0 };

  constructor(private readonly deps: ShardActorDeps) {
    this.shardId = deps.shardId;
    this.generation = deps.generation;
    this.buffer = new RecordBuffer(deps.config.buffer);
    this.windows = new WindowSizer(deps.config.transform.windowRecords, deps.config.transform.windowTargetMs);
  }

  /** Where the checkpoint may move now: every batch up to it is stored (SHARD_END once finished). */
  get position(): string | null {
    return this.acks.target();
  }

  /** True while anything read has not yet been handed back as stored. */
  get busy(): boolean {
    return this.windowsInFlight > 0 || this.emits.size > 0 || this.buffer.hasPending;
  }

  /** Runs until stopped (resolves) or failed (rejects). */
  run(): Promise<void> {
    this.done ??= new Promise<void>((resolve, reject) => {
      this.rejectRun = reject;
      this.loop().then(resolve, (err) => this.fail(err));
    });
    return this.done;
  }

  /** Graceful stop: stop reading, finish in-flight windows, flush, wait for every emit. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wake();
    await this.done?.catch(() => undefined);
  }

  /** Aborts as a crash would: the buffer is dropped, nothing more is reported and run() rejects with `err`. */
  kill(err: Error): void {
    this.fail(err);
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.abort.abort();
    clearTimeout(this.ageTimer);
    this.wake();
    this.rejectRun(this.failure);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private get halted(): boolean {
    return this.stopping || this.failure !== null;
  }

  private async waitForCapacity(): Promise<void> {
    const { windowsInFlight } = this.deps.config.transform;
    const { maxBytesInFlight } = this.deps.config.reader;
    while (!this.halted && (this.windowsInFlight >= windowsInFlight || this.bytesInFlight >= maxBytesInFlight)) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private async loop(): Promise<void> {
    const { source, shardId } = this.deps;
    await this.replayBoundaries();
    const reader = source.openReader(shardId, this.deps.startAt);
    const intake = new RecordIntake(this.deps.config.reader.deaggregate, this.deps.startAt);
    let ended = false;
    // While one response is cut into windows and sent to the pool, the next is already being read
    // (one response ahead), so the pool is not left idle during GetRecords' latency.
    let ahead: Promise<RawReadResult> | null = null;
    const read = () => reader.readRaw ? reader.readRaw(this.abort.signal) : reader.read(this.abort.signal);
    try {
      while (!this.halted) {
        await this.waitForCapacity();
        if (this.halted) break;
        let result: RawReadResult;
        try {
          result = await (ahead ?? read());
        } catch (err) {
          if (this.halted) break;
          throw err;
        } finally {
          ahead = null;
        }
        const { records } = result;
        this.stats.millisBehindLatest = result.millisBehindLatest;
        // At the tip only on an answer with nothing in it and nothing after it: an answer with records
        // is always followed by another read (below), whose answer tells whether more is left.
        this.stats.caughtUp = result.ended || (records.length === 0 && result.millisBehindLatest === 0);
        if (records.length > 0 && !result.ended && !this.halted) {
          ahead = read();
          ahead.catch(() => undefined); // surfaces when awaited above
        }
        const whole = await this.dispatchResponse(intake.take(records));
        if (result.ended) {
          // The shard is finished only when its last response went out whole: a stop in the middle
          // of it leaves the rest to be read again, so SHARD_END must not be reported.
          ended = whole;
          break;
        }
        if (records.length === 0) await sleep(alignedWait(this.idleWait(result.millisBehindLatest)), this.abort.signal);
        else this.emptyAtTip = 0;
      }
      if (this.failure) throw this.failure;
      await this.drain(ended);
      if (ended) this.end();
    } finally {
      clearTimeout(this.ageTimer);
      this.ageTimer = undefined;
      await ahead?.catch(() => undefined);
      await reader.close?.().catch(() => undefined);
    }
  }

  /**
   * The wait after an empty answer: `reader.pollIntervalMs`, doubled after each further empty
   * answer at the tip up to `reader.maxIdlePollIntervalMs` or `defaultMaxIdlePollMs` (an empty
   * answer behind the tip, a gap in the shard, is read past at the base rate).
   */
  private idleWait(millisBehindLatest: number): number {
    const { pollIntervalMs, maxIdlePollIntervalMs } = this.deps.config.reader;
    if (millisBehindLatest > 0) {
      this.emptyAtTip = 0;
      return pollIntervalMs;
    }
    const max = maxIdlePollIntervalMs ?? defaultMaxIdlePollMs(pollIntervalMs, this.deps.shardsInProcess?.() ?? 1);
    const wait = Math.min(max, pollIntervalMs * 2 ** Math.min(this.emptyAtTip, 30));
    this.emptyAtTip++;
    return wait;
  }

  /**
   * Cuts a response (after the intake) into windows and sends them to the pool, a corrupt aggregate
   * between them going to the dead-letter sink in its place; false when a stop cut it short.
   */
  private async dispatchResponse({ records, corrupt }: Intake): Promise<boolean> {
    if (records.length === 0 && corrupt.length === 0) return true;
    this.stats.read += records.length + corrupt.length;
    this.stats.lastReadAt = Date.now();
    let c = 0;
    for (let from = 0; ;) {
      for (; c < corrupt.length && corrupt[c].at === from; c++) this.skipCorrupt(corrupt[c]);
      if (from >= records.length) return true;
      if (from > 0) await this.waitForCapacity();
      // Stopping: the rest of this response is not dispatched (nor checkpointed); it is read again next time.
      if (this.halted) return false;
      const to = Math.min(c < corrupt.length ? corrupt[c].at : records.length, from + this.windows.size);
      this.dispatch(records, from, to);
      from = to;
    }
  }

  /**
   * In its place in the shard: cuts the buffer (its records come before the aggregate), stores the
   * corrupt aggregate in the dead-letter sink, then lets the checkpoint pass it once every batch
   * before it is stored.
   */
  private skipCorrupt(corrupt: CorruptAggregate): void {
    this.enqueue(async () => {
      if (this.failure) return;
      const before = this.buffer.flush(this.shardId);
      if (before) this.emitBatch(before);
      await deadLetterAggregate(this.deps, corrupt);
      this.stats.deadLettered++;
      this.emitBatch(emptyBatch(this.shardId, corrupt.record.sequenceNumber));
    });
  }

  /**
   * Journaled boundaries above the checkpoint this actor starts from (exactly-once objects; the
   * journal answers only those): batches are cut at them again, so no batch can overlap one an
   * earlier actor may have stored.
   */
  private async replayBoundaries(): Promise<void> {
    const { boundaries, shardId, logger } = this.deps;
    if (!boundaries) return;
    const cuts = await boundaries.read();
    if (cuts.length === 0) return;
    this.buffer.replay(cuts);
    logger.info({ shardId, boundaries: cuts.length, first: cuts[0], last: cuts[cuts.length - 1] },
      'cutting batches again at the journaled boundaries (age cuts resume after the last)');
  }

  /**
   * Every window dispatched is applied, the rest of the buffer is flushed, every emit lands. While
   * a journaled boundary is ahead, the rest is not flushed (a cut there would overlap a batch that
   * may be stored; it is read again) unless the closed shard has `ended`: nothing more can come.
   */
  private async drain(ended: boolean): Promise<void> {
    this.enqueue(() => {
      if (this.buffer.replaying && !ended) return;
      const last = this.buffer.flush(this.shardId);
      // The end of a closed shard is a boundary every run meets again: nothing to journal.
      if (last) this.emitBatch(last, !ended);
    });
    await this.applyChain;
    while (this.emits.size > 0) await Promise.all([...this.emits]);
    if (this.failure) throw this.failure;
  }

  /** The closed shard was read to its end and all of it is stored: report SHARD_END. */
  private end(): void {
    this.acks.ended(this.batchNo);
    this.report();
    this.deps.logger.info({ shardId: this.shardId, batches: this.batchNo }, 'reached the end of a closed shard');
  }

  /** Runs `step` after every window dispatched so far has been applied, in order. */
  private enqueue(step: () => void | Promise<void>): void {
    this.applyChain = this.applyChain.then(step);
    this.applyChain.catch((err) => this.fail(err));
  }

  private dispatch(records: SourceRecords, from: number, to: number): void {
    const { shardId } = this.deps;
    const window = packWindow(shardId, records, from, to);
    const range = `${sequenceNumberIn(records, from)}..${sequenceNumberIn(records, to - 1)}`;
    const bytes = window.data.byteLength;
    this.windowsInFlight++;
    this.bytesInFlight += bytes;
    const pending = this.deps.transform.run(transfer(window, windowTransferables(window)));
    pending.catch(() => undefined); // handled in order by the chain below
    this.enqueue(async () => {
      let result: TransformResult;
      try {
        result = await pending;
      } catch (err) {
        throw new ConnectorError(`transforming records ${range} of ${shardId} failed: ${(err as Error).message}`,
          { code: 'TRANSFORM_FAILED', retriable: true, cause: err });
      } finally {
        this.windowsInFlight--;
        this.bytesInFlight -= bytes;
        this.wake();
      }
      if (this.failure) return;
      this.windows.observe(to - from, result.runMs);
      if (result.failures.length > 0) this.stats.deadLettered += await deadLetterFailures(this.deps, result);
      this.stats.filtered += result.filtered;
      for (const batch of this.buffer.add(shardId, result)) this.emitBatch(batch);
      this.armAgeTimer();
    });
  }

  /**
   * While the buffer holds records, one timer flushes it when it comes of age (`buffer.maxAgeMs`
   * after its first record); an idle actor has no timer at all.
   */
  private armAgeTimer(): void {
    // While a journaled boundary is ahead, only that boundary (or count and bytes) may cut.
    if (this.ageTimer !== undefined || !this.buffer.hasPending || this.halted || this.buffer.replaying) return;
    this.ageTimer = setTimeout(() => {
      this.ageTimer = undefined;
      this.enqueue(() => {
        if (this.buffer.isDue() && !this.buffer.replaying) this.emitBatch(this.buffer.flush(this.shardId)!, true);
        this.armAgeTimer();
      });
    }, Math.max(1, this.deps.config.buffer.maxAgeMs - this.buffer.age()));
  }

  /**
   * Sends a batch to its emitter. A batch cut by age or at a stop (`timed`) has its boundary
   * journaled first when the emitter makes exactly-once objects: a crash after the write must
   * find the boundary, or the records would be cut differently and stored twice.
   */
  private emitBatch(batch: Batch, timed = false): void {
    if (this.failure) return;
    const batchNo = this.batchNo++;
    const { lastSeq, count } = batch;
    const journaled = timed && this.deps.boundaries ? this.deps.boundaries.add(lastSeq) : undefined;
    if (count === 0 && !journaled) {
      // Everything in this range was filtered out or dead-lettered: nothing to store, but the
      // checkpoint may move past it once earlier batches are stored.
      this.stored(batchNo, lastSeq);
      return;
    }
    const bytes = batch.data.byteLength;
    this.bytesInFlight += bytes;
    const sentAt = performance.now();
    const send = (): Promise<void> => (count === 0 ? Promise.resolve(this.stored(batchNo, lastSeq))
      : this.deps.emitter.emit(transfer(batch, batchTransferables(batch)))
        .then(({ location }) => this.stored(batchNo, lastSeq, { count, bytes, location, latencyMs: performance.now() - sentAt })));
    const p: Promise<void> = (journaled ? journaled.then(send) : send()).then(
      () => undefined,
      (err) => this.fail(err),
    ).finally(() => {
      this.bytesInFlight -= bytes;
      this.emits.delete(p);
      this.wake();
    });
    this.emits.add(p);
  }

  /** Batch `batchNo` is stored: report when the position moved or records were emitted. */
  private stored(batchNo: number, lastSeq: string, emitted?: ProgressEvent['emitted']): void {
    // A failed actor reports nothing more: its replacement resumes from the committed checkpoint.
    if (this.failure) return;
    const moved = this.acks.ack(batchNo, lastSeq);
    if (emitted) {
      this.emitted.count += emitted.count;
      this.emitted.bytes += emitted.bytes;
      this.emitted.batches++;
    }
    if (moved || emitted) this.report(emitted);
  }

  private report(emitted?: ProgressEvent['emitted']): void {
    this.deps.report({ type: 'progress', shardId: this.shardId, generation: this.generation, position: this.acks.target(), emitted });
  }
}
