/**
 * KinesisEmitter: forwards each record of a batch to another Kinesis stream with PutRecords,
 * retrying only the entries the service failed.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { retry, retryOptions, type BackoffOptions } from '../../core/backoff.js';
import type { Emitter, EmitterBatch } from '../emitter.js';
import { STREAM_NAME_RULE, isStreamName } from '../../aws/stream-name.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { isPartitionKey, partitionKeyMessage } from './kinesis-options.js';

/** PutRecords limits: entries per request, bytes per request and per record (data plus partition key). */
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
export const PUT_RECORD_MAX_BYTES = 1024 * 1024;

export interface KinesisEmitterOptions {
  /** The client for the target stream; the emitter owns it and destroys it on `close()`. */
  client: KinesisClient;
  /** The target stream. */
  stream: string;
  /**
   * What each record's partition key is: `'sequence'`, its source sequence number (spreads records
   * over every target shard and lets a consumer drop duplicates), or `'source-shard'`, its source
   * shard id (keeps a source shard's records together on one target shard).
   * @defaultValue 'sequence'
   */
  partitionKey?: 'sequence' | 'source-shard';
  /** PutRecords calls per chunk of records, including the first, before the emit fails. @defaultValue 8 */
  attempts?: number;
  /** Backoff between attempts. @defaultValue { baseMs: 100, maxMs: 5000 } */
  backoff?: Partial<BackoffOptions>;
}

export const KINESIS_EMITTER_DEFAULTS = {
  partitionKey: 'sequence' as const,
  attempts: 8,
  backoff: { baseMs: 100, maxMs: 5000 } satisfies BackoffOptions,
};

/** One record ready to send, with where it came from. */
interface Entry {
  seq: string;
  request: PutRecordsRequestEntry;
  bytes: number;
}

/** A PutRecords call that came back with failed entries; retriable when every failure code is. */
class PartialFailure extends Error {
  constructor(readonly codes: string[], readonly retriable: boolean) {
    super(`${codes.length} entries failed`);
  }
}

/**
 * Writes each record (without its trailing newline) as one Kinesis record. Records are sent in
 * chunks that respect the PutRecords limits, one chunk at a time; when a response reports failed
 * entries only those are sent again, after a jittered exponential backoff.
 *
 * Delivery is at least once: Kinesis has no conditional put, so a re-emitted batch (or a batch
 * retried after some of its chunks were stored) writes those records again. With the default
 * `'sequence'` partition key a consumer can recognise the copies by their partition key. Records
 * that had to be retried may land after records that followed them in the batch.
 */
export class KinesisEmitter implements Emitter {
  private readonly partitionKey: 'sequence' | 'source-shard';
  private readonly attempts: number;
  private readonly backoff: BackoffOptions;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(private readonly options: KinesisEmitterOptions) {
    if (!isStreamName(options.stream)) throw new ConfigError('stream', `must be ${STREAM_NAME_RULE}, got ${show(options.stream)}`);
    this.partitionKey = options.partitionKey ?? KINESIS_EMITTER_DEFAULTS.partitionKey;
    if (!isPartitionKey(this.partitionKey)) {
      throw new ConfigError('partitionKey', partitionKeyMessage(options.partitionKey));
    }
    ({ attempts: this.attempts, backoff: this.backoff } = retryOptions(options.attempts, options.backoff, KINESIS_EMITTER_DEFAULTS));
  }

  async emit(batch: EmitterBatch): Promise<{ location: string }> {
    const { stream } = this.options;
    const location = `kinesis://${stream}/${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}`;
    // Every record is checked before any is sent, so an oversized record leaves the stream untouched.
    const entries = this.entries(batch);
    for (const chunk of chunks(entries)) await this.putChunk(chunk);
    return { location };
  }

  /** Stops any backoff in progress and destroys the client. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closing.abort();
      this.options.client.destroy();
      this.closed = Promise.resolve();
    }
    return this.closed;
  }

  private entries(batch: EmitterBatch): Entry[] {
    const entries: Entry[] = [];
    for (let i = 0; i < batch.count; i++) {
      const seq = batch.sequenceNumbers[i];
      const start = batch.offsets[i];
      let end = batch.offsets[i + 1];
      if (end > start && batch.data[end - 1] === 0x0a) end--;
      const data = batch.data.subarray(start, end);
      const key = this.partitionKey === 'sequence' ? seq : batch.shardId;
      const bytes = data.byteLength + Buffer.byteLength(key, 'utf8');
      if (bytes > PUT_RECORD_MAX_BYTES) {
        throw new EmitError(`Kinesis PutRecords to stream ${this.options.stream}: record ${seq} of ${batch.shardId} is ${bytes} bytes `
          + `with its partition key, over the ${PUT_RECORD_MAX_BYTES}-byte limit of a Kinesis record`, { retriable: false, code: 'RECORD_TOO_LARGE' });
      }
      entries.push({ seq, bytes, request: { Data: data, PartitionKey: key } });
    }
    return entries;
  }

  /** Sends one chunk until every entry is stored; retries only the entries that failed. */
  private async putChunk(chunk: Entry[]): Promise<void> {
    const { client, stream } = this.options;
    let pending = chunk;
    const codesSeen = new Set<string>();
    let calls = 0;
    try {
      await retry(async () => {
        calls++;
        const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: pending.map((e) => e.request) }));
        if (!res.FailedRecordCount) return;
        const results = res.Records ?? [];
        if (results.length !== pending.length) {
          throw new EmitError(`Kinesis PutRecords to stream ${stream} answered ${results.length} results for ${pending.length} records`, { retriable: true });
        }
        const failed: Entry[] = [];
        const codes: string[] = [];
        results.forEach((r, k) => {
          if (!r.ErrorCode) return;
          failed.push(pending[k]);
          codes.push(r.ErrorCode);
          codesSeen.add(r.ErrorCode);
        });
        pending = failed;
        if (failed.length > 0) throw new PartialFailure(codes, codes.every((code) => isRetriable({ name: code })));
      }, { attempts: this.attempts, ...this.backoff, signal: this.closing.signal });
    } catch (err) {
      if (err instanceof PartialFailure) {
        throw new EmitError(`Kinesis PutRecords to stream ${stream} failed: ${pending.length} of ${chunk.length} records still failed `
          + `after ${calls} attempt${calls === 1 ? '' : 's'} (error codes: ${[...codesSeen].join(', ')}; first failed sequence number ${pending[0].seq})`,
        { retriable: err.retriable, cause: err });
      }
      if (err instanceof EmitError) throw err;
      const earlier = codesSeen.size > 0 ? `; entries failed earlier with ${[...codesSeen].join(', ')}` : '';
      throw new EmitError(`Kinesis PutRecords to stream ${stream} failed: ${describeError(err)}${earlier}`, { retriable: isRetriable(err), cause: err });
    }
  }
}

/** Splits entries into requests of at most 500 entries and 5 MiB (data plus partition keys). */
function* chunks(entries: Entry[]): Generator<Entry[]> {
  let chunk: Entry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (chunk.length === PUT_RECORDS_MAX_ENTRIES || (chunk.length > 0 && bytes + e.bytes > PUT_RECORDS_MAX_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(e);
    bytes += e.bytes;
  }
  if (chunk.length > 0) yield chunk;
}

/** A value as an option message shows it: strings quoted, numbers (NaN too) as they print. */
