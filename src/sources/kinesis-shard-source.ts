/** Reads a Kinesis stream with ListShards, GetShardIterator and GetRecords. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisCborClient } from '../aws/kinesis-cbor-client.js';
import { retry, type RetryOptions } from '../core/backoff.js';
import { ConnectorError, describeError, isRetriable, showValue } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RecordSpans, SourceRecord, StartAt } from '../core/records.js';
import { isSpanSequenceNumber, recordsOfSpans, sequenceNumberIn, spanBytes, spanSequenceText } from '../core/record-spans.js';
import { isSequenceNumber } from '../core/sequence.js';
import { checkShardId } from '../core/shard-id.js';
import { Limiter } from '../core/limiter.js';
import type { RawReadResult, ReadResult, ShardInfo, ShardReader, ShardSource } from './shard-source.js';
import { kinesisSdk } from '../aws/sdk-modules.js';

const { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } = kinesisSdk();

export interface KinesisShardSourceOptions {
  client: KinesisClient;
  stream: string;
  logger: Logger;
  /** GetRecords `Limit`. @defaultValue 10000 */
  maxRecordsPerCall?: number;
  /**
   * Bytes an answer should hold at most: each shard's next `Limit` is this divided by the mean
   * size of a record in its last answer with records (within 1 .. `maxRecordsPerCall`), starting
   * from `maxRecordsPerCall`. 0: `maxRecordsPerCall` always. @defaultValue 0
   */
  maxBytesPerCall?: number;
  /**
   * When set, GetRecords goes through it, in CBOR (see `kinesis.protocol`); ListShards and
   * GetShardIterator stay on `client`. @defaultValue none: GetRecords through `client`, in JSON
   */
  cborClient?: KinesisCborClient;
}

/**
 * A GetRecords answer as both protocols give it: spans of the answer in CBOR, objects from the SDK
 * in JSON. Sequence numbers are checked by the reader.
 */
interface RecordsPage {
  records: RecordSpans | Array<Omit<SourceRecord, 'sequenceNumber'> & { sequenceNumber: string | undefined }>;
  nextShardIterator: string | undefined;
  millisBehindLatest: number;
}

const NOT_STARTED = 'no shard of that answer is started';

/**
 * GetShardIterator calls of one source in flight at once. When many shards start together (1,000
 * on one host thread), each SDK call's objects live until it answers: all at once, they outlive the
 * young generation and stay in the old one as garbage until a full collection. 1,000 shards against
 * the embedded Kinesis: the host thread's peak heap 107-116 MB unbounded, 72-83 with 32 at a time,
 * 51-64 with 16, 49-50 with 8; the process's peak RSS 228-233, 194-195, 172-173 and 172 MB; the
 * time until every shard had answered did not change (the emulator was the bound). 16 start 1,000
 * shards in about 63 round trips.
 */
export const ITERATOR_CALLS_AT_ONCE = 16;

export class KinesisShardSource implements ShardSource {
  private readonly iteratorCalls = new Limiter(ITERATOR_CALLS_AT_ONCE);

  constructor(private readonly options: KinesisShardSourceOptions) {}

  /**
   * Every shard of the stream. An answer naming a shard (or a parent) with an id that is not a
   * shard id (see `isShardId`) rejects with a non-retriable ConnectorError (`BAD_SHARD_ID`) naming
   * it: no shard of that answer is started, so the pipeline fails to start rather than skip data.
   */
  async listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let nextToken: string | undefined;
    do {
      const page = await retry(() => this.options.client.send(new ListShardsCommand(
        nextToken ? { NextToken: nextToken } : { StreamName: this.options.stream })), {
        attempts: 8,
        onRetry: (err, attempt, delayMs) => this.options.logger.warn({ stream: this.options.stream, attempt, delayMs, error: describeError(err) }, 'ListShards throttled or failed; retrying'),
      }).catch((err) => {
        throw new ConnectorError(`listing shards of stream ${this.options.stream} failed: ${describeError(err)}`, { code: 'LIST_SHARDS_FAILED', retriable: true, cause: err });
      });
      const where = `ListShards of stream ${this.options.stream}`;
      for (const s of page.Shards ?? []) {
        shards.push({
          shardId: checkShardId(s.ShardId, where, NOT_STARTED),
          parentShardId: s.ParentShardId === undefined ? undefined : checkShardId(s.ParentShardId, where, NOT_STARTED),
          adjacentParentShardId: s.AdjacentParentShardId === undefined ? undefined : checkShardId(s.AdjacentParentShardId, where, NOT_STARTED),
          closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return shards;
  }

  openReader(shardId: string, startAt: StartAt): ShardReader {
    return new KinesisShardReader(this.options, shardId, startAt, this.iteratorCalls);
  }

  async close(): Promise<void> {}
}

/** The record size a shard's first GetRecords `Limit` assumes under `maxBytesPerCall`. */
const FIRST_RECORD_BYTES = 1024;

class KinesisShardReader implements ShardReader {
  private iterator: string | null = null;
  private lastSeq: string | null = null;
  /** The next GetRecords `Limit` (see `maxBytesPerCall`). */
  private limit: number;
  /** Each operation's retry options, made once while the caller's signal stays the same (an actor reads with one signal). */
  private readonly retries = new Map<string, RetryOptions>();

  constructor(private readonly options: KinesisShardSourceOptions, private readonly shardId: string, private readonly startAt: StartAt,
    private readonly iteratorCalls: Limiter) {
    // Before any answer, records are taken to be 1 KiB: a shard's first answer fits the budget too
    // (4 shards' first answers of 10,000 1-KB records held 40 MB at once, the e2e host thread's peak).
    this.limit = this.limitFor(FIRST_RECORD_BYTES);
  }

  /** The `Limit` for records of this mean size: as many as fit `maxBytesPerCall`, within 1 .. `maxRecordsPerCall` (all of it without a budget). */
  private limitFor(recordBytes: number): number {
    const max = this.options.maxRecordsPerCall ?? 10_000;
    const budget = this.options.maxBytesPerCall ?? 0;
    return budget > 0 ? Math.max(1, Math.min(max, Math.floor(budget / Math.max(1, recordBytes)))) : max;
  }

  /** Sizes the next `Limit` from an answer's records (their data and keys: what an answer holds per record). */
  private learnLimit(records: SourceRecord[] | RecordSpans): void {
    if ((this.options.maxBytesPerCall ?? 0) <= 0 || records.length === 0) return;
    let bytes = 0;
    if (Array.isArray(records)) for (const r of records) bytes += r.data.byteLength + r.sequenceNumber.length + r.partitionKey.length;
    else {
      const size = spanBytes(records);
      bytes = size.data + size.keys;
    }
    this.limit = this.limitFor(bytes / records.length);
  }

  private async freshIterator(signal?: AbortSignal): Promise<string> {
    const at: StartAt = this.lastSeq ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastSeq } : this.startAt;
    const input = {
      StreamName: this.options.stream,
      ShardId: this.shardId,
      ShardIteratorType: at.type,
      StartingSequenceNumber: at.type === 'AFTER_SEQUENCE_NUMBER' || at.type === 'AT_SEQUENCE_NUMBER' ? at.sequenceNumber : undefined,
      Timestamp: at.type === 'AT_TIMESTAMP' ? new Date(at.timestamp) : undefined,
    };
    const out = await this.withRetry('GetShardIterator', () => this.iteratorCalls.run(() => this.options.client.send(new GetShardIteratorCommand(input), { abortSignal: signal })), signal);
    if (!out.ShardIterator) throw new ConnectorError(`GetShardIterator returned no iterator for ${this.shardId}`, { code: 'NO_ITERATOR', retriable: true });
    return out.ShardIterator;
  }

  private withRetry<T>(operation: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let options = this.retries.get(operation);
    if (!options || options.signal !== signal) {
      options = {
        attempts: Infinity,
        signal,
        // An expired iterator is handled by the caller (a new iterator after the last record read).
        retriable: (err) => (err as Error).name !== 'ExpiredIteratorException' && isRetriable(err),
        onRetry: (err, attempt, delayMs) => this.options.logger.warn(
          { shardId: this.shardId, operation, attempt, delayMs, error: describeError(err) }, `${operation} failed; backing off`),
      };
      this.retries.set(operation, options);
    }
    return retry(fn, options);
  }

  /**
   * Sequence numbers name batch files and keys, so one that is not a number (a broken or hostile
   * endpoint) fails the read with a non-retriable error naming it, before anything is written.
   */
  private checkSequenceNumbers(records: RecordsPage['records']): SourceRecord[] | RecordSpans {
    if (Array.isArray(records)) {
      for (const r of records) if (!isSequenceNumber(r.sequenceNumber)) throw this.badSequenceNumber(r.sequenceNumber);
      return records as SourceRecord[];
    }
    for (let i = 0; i < records.length; i++) {
      if (!isSpanSequenceNumber(records, i)) throw this.badSequenceNumber(spanSequenceText(records, i));
    }
    return records;
  }

  private badSequenceNumber(value: string | undefined): ConnectorError {
    return new ConnectorError(`GetRecords of ${this.shardId} gave the sequence number ${showValue(value)}, which is not one (0 or up to 129 digits)`,
      { code: 'BAD_SEQUENCE_NUMBER', retriable: false });
  }

  /** One GetRecords call, in CBOR through `cborClient` when there is one, else through the SDK. */
  private async getRecords(iterator: string, signal?: AbortSignal): Promise<RecordsPage> {
    const limit = this.limit;
    const cbor = this.options.cborClient;
    if (cbor) return cbor.getRecordSpans({ shardIterator: iterator, limit, shardId: this.shardId }, signal);
    const out = await this.options.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), { abortSignal: signal });
    return {
      records: (out.Records ?? []).map((r) => ({
        data: r.Data ?? new Uint8Array(0),
        sequenceNumber: r.SequenceNumber,
        partitionKey: r.PartitionKey ?? '',
        arrival: r.ApproximateArrivalTimestamp ? r.ApproximateArrivalTimestamp.getTime() : NaN,
      })),
      nextShardIterator: out.NextShardIterator,
      millisBehindLatest: out.MillisBehindLatest ?? 0,
    };
  }

  async read(signal?: AbortSignal): Promise<ReadResult> {
    const result = await this.readRaw(signal);
    return Array.isArray(result.records) ? result as ReadResult : { ...result, records: recordsOfSpans(result.records) };
  }

  async readRaw(signal?: AbortSignal): Promise<RawReadResult> {
    for (;;) {
      if (!this.iterator) this.iterator = await this.freshIterator(signal);
      try {
        const iterator = this.iterator;
        const page = await this.withRetry('GetRecords', () => this.getRecords(iterator, signal), signal);
        const records = this.checkSequenceNumbers(page.records);
        this.learnLimit(records);
        if (records.length > 0) this.lastSeq = sequenceNumberIn(records, records.length - 1);
        this.iterator = page.nextShardIterator ?? null;
        return { records, millisBehindLatest: page.millisBehindLatest, ended: !page.nextShardIterator };
      } catch (err) {
        if ((err as Error).name === 'ExpiredIteratorException') {
          this.options.logger.info({ shardId: this.shardId, after: this.lastSeq }, 'shard iterator expired; re-creating it after the last record read');
          this.iterator = null;
          continue;
        }
        throw err;
      }
    }
  }
}
