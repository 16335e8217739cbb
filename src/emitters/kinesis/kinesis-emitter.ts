/**
 * KinesisEmitter: forwards each record of a batch to another Kinesis stream with PutRecords,
 * retrying only the entries the service failed.
 */
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { sequenceNumberAt, type Batch } from '../../core/batch.js';
import type { EmitAttempt, Emitter } from '../emitter.js';
import { STREAM_NAME_RULE, isStreamName } from '../../aws/stream-name.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { isPartitionKey, partitionKeyMessage } from './kinesis-options.js';
import { checkStream } from './check-stream.js';
import { kinesisSdk } from '../../aws/sdk-modules.js';

const { PutRecordsCommand } = kinesisSdk();

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
}

export const KINESIS_EMITTER_DEFAULTS = {
  partitionKey: 'sequence' as const,
};

/** One record ready to send, with where it came from. */
interface Entry {
  seq: string;
  request: PutRecordsRequestEntry;
  bytes: number;
}

/** What an attempt leaves for the next one: the chunks not yet stored, and the error codes seen. */
interface Progress {
  chunks: Entry[][];
  codes: Set<string>;
}

/**
 * Writes each record (without its trailing newline) as one Kinesis record. Records are sent in
 * chunks that respect the PutRecords limits, one chunk at a time. When a response reports failed
 * entries, the attempt fails (retriable when every error code is) and notes in the attempt's memo
 * what is not stored yet, the failed entries in place of their chunk: the next attempt (drawn from
 * the emitter thread's one retry budget) sends only those, then the chunks after them.
 *
 * Delivery is at least once: Kinesis has no conditional put, so a re-emitted batch (or a batch
 * retried after some of its chunks were stored) writes those records again. With the default
 * `'sequence'` partition key a consumer can recognise the copies by their partition key. Records
 * that had to be retried may land after records that followed them in the batch.
 */
export class KinesisEmitter implements Emitter {
  private readonly partitionKey: 'sequence' | 'source-shard';
  private closed: Promise<void> | undefined;

  constructor(private readonly options: KinesisEmitterOptions) {
    if (!isStreamName(options.stream)) throw new ConfigError('stream', `must be ${STREAM_NAME_RULE}, got ${show(options.stream)}`);
    this.partitionKey = options.partitionKey ?? KINESIS_EMITTER_DEFAULTS.partitionKey;
    if (!isPartitionKey(this.partitionKey)) {
      throw new ConfigError('partitionKey', partitionKeyMessage(options.partitionKey));
    }
  }

  async emit(batch: Batch, attempt?: EmitAttempt): Promise<{ location: string }> {
    const { stream } = this.options;
    const location = `kinesis://${stream}/${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}`;
    let progress = attempt?.memo.get('progress') as Progress | undefined;
    if (!progress) {
      // Every record is checked before any is sent, so an oversized record leaves the stream untouched.
      progress = { chunks: [...chunks(this.entries(batch))], codes: new Set() };
      attempt?.memo.set('progress', progress);
    }
    const tries = (attempt?.number ?? 0) + 1;
    while (progress.chunks.length > 0) {
      const chunk = progress.chunks[0];
      let failed: { entries: Entry[]; codes: string[] };
      try {
        failed = await this.putChunk(chunk);
      } catch (err) {
        if (err instanceof EmitError) throw err;
        const earlier = progress.codes.size > 0 ? `; entries failed earlier with ${[...progress.codes].join(', ')}` : '';
        throw new EmitError(`Kinesis PutRecords to stream ${stream} failed: ${describeError(err)}${earlier}`, { retriable: isRetriable(err), cause: err });
      }
      if (failed.entries.length === 0) {
        progress.chunks.shift();
        continue;
      }
      progress.chunks[0] = failed.entries;
      for (const code of failed.codes) progress.codes.add(code);
      const left = progress.chunks.reduce((n, c) => n + c.length, 0);
      throw new EmitError(`Kinesis PutRecords to stream ${stream} failed: ${left} of ${batch.count} records not stored `
        + `after ${tries} attempt${tries === 1 ? '' : 's'} (error codes: ${[...progress.codes].join(', ')}; first failed sequence number ${failed.entries[0].seq})`,
      { retriable: failed.codes.every((code) => isRetriable({ name: code })) });
    }
    return { location };
  }

  /** The target stream exists and is ACTIVE. */
  check(): Promise<void> {
    return checkStream('emitter kinesis', 'emitter.stream', this.options.client, this.options.stream);
  }

  /** Destroys the client. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    if (!this.closed) {
      this.options.client.destroy();
      this.closed = Promise.resolve();
    }
    return this.closed;
  }

  private entries(batch: Batch): Entry[] {
    const entries: Entry[] = [];
    for (let i = 0; i < batch.count; i++) {
      const seq = sequenceNumberAt(batch, i);
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

  /** Sends one chunk; answers the entries the service failed, in order, with their error codes. */
  private async putChunk(chunk: Entry[]): Promise<{ entries: Entry[]; codes: string[] }> {
    const { client, stream } = this.options;
    const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: chunk.map((e) => e.request) }));
    const failed = { entries: [] as Entry[], codes: [] as string[] };
    if (!res.FailedRecordCount) return failed;
    const results = res.Records ?? [];
    if (results.length !== chunk.length) {
      throw new EmitError(`Kinesis PutRecords to stream ${stream} answered ${results.length} results for ${chunk.length} records`, { retriable: true });
    }
    results.forEach((r, k) => {
      if (!r.ErrorCode) return;
      failed.entries.push(chunk[k]);
      failed.codes.push(r.ErrorCode);
    });
    return failed;
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
