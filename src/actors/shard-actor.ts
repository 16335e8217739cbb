/**
 * A shard actor: reads one shard, sends windows of records to the transform pool (several in
 * flight), puts the results back in sequence order, buffers them and hands flushed batches to an
 * emitter actor. Lightweight: many actors share one host thread.
 */
import { sleep } from '../core/backoff.js';
import type { ResolvedConfig } from '../config/config.js';
import { DeadLetterSink } from './dead-letter-sink.js';
import { ConnectorError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EmitBatch, EmitterApi, HostEvent, StartAt, TransformApi } from '../threads/protocol.js';
import { RecordBuffer, type FlushedBatch } from './record-buffer.js';
import { packStrings, packWindow, windowTransferables } from '../transform/record-window.js';
import { transfer } from '../threads/rpc.js';
import type { ReadResult, ShardSource } from '../sources/shard-source.js';

type Remote<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

export interface ShardActorDeps {
  shardId: string;
  generation: number;
  startAt: StartAt;
  config: ResolvedConfig;
  source: ShardSource;
  transform: Remote<TransformApi>;
  emitter: Remote<EmitterApi>;
  deadLetter: DeadLetterSink;
  post: (event: HostEvent) => void;
  logger: Logger;
}

export class ShardActor {
  readonly shardId: string;
  readonly generation: number;
  private readonly buffer: RecordBuffer;
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
  private ageTimer: NodeJS.Timeout | undefined;
  private done: Promise<void> | undefined;
  readonly stats = { read: 0, filtered: 0, deadLettered: 0, millisBehindLatest: 0, lastReadAt: Date.now() };

  constructor(private readonly deps: ShardActorDeps) {
    this.shardId = deps.shardId;
    this.generation = deps.generation;
    this.buffer = new RecordBuffer(deps.config.buffer);
  }

  /** Batches produced so far (batch numbers 0 .. batches-1). */
  get batches(): number {
    return this.batchNo;
  }

  /** True once the actor read its closed shard to the end and every batch was emitted. */
  ended = false;

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

  /** Aborts as a crash would: the buffer is dropped and run() rejects with `err`. */
  kill(err: Error): void {
    this.fail(err);
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    this.abort.abort();
    clearInterval(this.ageTimer);
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
    const { config, source, shardId } = this.deps;
    const reader = source.openReader(shardId, this.deps.startAt);
    const { maxAgeMs } = config.buffer;
    this.ageTimer = setInterval(() => this.enqueue(() => {
      if (this.buffer.isDue()) this.emitBatch(this.buffer.flush()!);
    }), Math.max(5, Math.min(250, Math.floor(maxAgeMs / 4))));
    let ended = false;
    // While one response is cut into windows and sent to the pool, the next is already being read
    // (one response ahead), so the pool is not left idle during GetRecords' latency.
    let ahead: Promise<ReadResult> | null = null;
    try {
      while (!this.halted) {
        await this.waitForCapacity();
        if (this.halted) break;
        let result: ReadResult;
        try {
          result = await (ahead ?? reader.read(this.abort.signal));
        } catch (err) {
          if (this.halted) break;
          throw err;
        } finally {
          ahead = null;
        }
        const { records } = result;
        this.stats.millisBehindLatest = result.millisBehindLatest;
        if (records.length > 0 && !result.ended && !this.halted) {
          ahead = reader.read(this.abort.signal);
          ahead.catch(() => undefined); // surfaces when awaited above
        }
        if (records.length > 0) {
          this.stats.read += records.length;
          this.stats.lastReadAt = Date.now();
          const step = config.transform.windowRecords;
          for (let from = 0; from < records.length; from += step) {
            if (from > 0) await this.waitForCapacity();
            // Stopping: the rest of this response is not dispatched (nor checkpointed); it is read again next time.
            if (this.halted) break;
            this.dispatch(records, from, Math.min(records.length, from + step));
          }
        }
        if (result.ended) {
          ended = true;
          break;
        }
        if (records.length === 0) await sleep(config.reader.pollIntervalMs, this.abort.signal);
      }
      if (this.failure) throw this.failure;
      // Drain: every window dispatched is applied, the rest of the buffer is flushed, every emit lands.
      this.enqueue(() => {
        const last = this.buffer.flush();
        if (last) this.emitBatch(last);
      });
      await this.applyChain;
      while (this.emits.size > 0) await Promise.all([...this.emits]);
      if (this.failure) throw this.failure;
      if (ended) {
        this.ended = true;
        this.deps.post({ type: 'shard-ended', shardId, generation: this.generation, batches: this.batchNo });
        this.deps.logger.info({ shardId, batches: this.batchNo }, 'reached the end of a closed shard');
      }
    } finally {
      clearInterval(this.ageTimer);
      await ahead?.catch(() => undefined);
      await reader.close?.().catch(() => undefined);
    }
  }

  /** Runs `step` after every window dispatched so far has been applied, in order. */
  private enqueue(step: () => void | Promise<void>): void {
    this.applyChain = this.applyChain.then(step);
    this.applyChain.catch((err) => this.fail(err));
  }

  private dispatch(records: Parameters<typeof packWindow>[1], from: number, to: number): void {
    const { shardId } = this.deps;
    const window = packWindow(shardId, records, from, to);
    const seqs = new Array<string>(to - from);
    for (let i = from; i < to; i++) seqs[i - from] = records[i].sequenceNumber;
    const keyOf = (i: number) => records[from + i].partitionKey;
    const bytes = window.data.byteLength;
    this.windowsInFlight++;
    this.bytesInFlight += bytes;
    const pending = this.deps.transform.run(transfer(window, windowTransferables(window)));
    pending.catch(() => undefined); // handled in order by the chain below
    this.enqueue(async () => {
      let result;
      try {
        result = await pending;
      } catch (err) {
        throw new ConnectorError(`transforming records ${seqs[0]}..${seqs[seqs.length - 1]} of ${shardId} failed: ${(err as Error).message}`,
          { code: 'TRANSFORM_FAILED', retriable: true, cause: err });
      } finally {
        this.windowsInFlight--;
        this.bytesInFlight -= bytes;
        this.wake();
      }
      if (this.failure) return;
      if (result.failures.length > 0) {
        const failedAt = new Date().toISOString();
        await this.deps.deadLetter.write(shardId, result.failures.map((f) => ({
          shardId, sequenceNumber: seqs[f.index], partitionKey: keyOf(f.index), dataBase64: f.dataBase64, error: f.error, failedAt,
        })));
        this.stats.deadLettered += result.failures.length;
        const first = result.failures[0];
        this.deps.logger.warn({ shardId, count: result.failures.length, firstSequenceNumber: seqs[first.index], error: `${first.error.name}: ${first.error.message}`, deadLetter: this.deps.deadLetter.file(shardId) },
          'transform threw; records written to the dead-letter sink');
      }
      this.stats.filtered += result.filtered;
      for (const batch of this.buffer.add(seqs, result)) this.emitBatch(batch);
    });
  }

  private emitBatch(batch: FlushedBatch): void {
    if (this.failure) return;
    const { shardId } = this.deps;
    const batchNo = this.batchNo++;
    if (batch.count === 0) {
      // Everything in this range was filtered out or dead-lettered: nothing to store, but the
      // checkpoint may move past it once earlier batches are stored.
      this.deps.post({ type: 'ack', shardId, generation: this.generation, batchNo, lastSeq: batch.lastSeq, count: 0, bytes: 0 });
      return;
    }
    const packed = packStrings(batch.sequenceNumbers);
    const message: EmitBatch = {
      shardId, generation: this.generation, batchNo, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, count: batch.count,
      data: batch.data, offsets: batch.offsets, seqs: packed.data, seqOffsets: packed.offsets, createdAt: Date.now(),
    };
    const bytes = batch.bytes;
    this.bytesInFlight += bytes;
    const p: Promise<void> = this.deps.emitter.emit(transfer(message, [batch.data, batch.offsets.buffer as ArrayBuffer, packed.data, packed.offsets.buffer as ArrayBuffer])).then(
      () => undefined,
      (err) => this.fail(err),
    ).finally(() => {
      this.bytesInFlight -= bytes;
      this.emits.delete(p);
      this.wake();
    });
    this.emits.add(p);
  }
}
