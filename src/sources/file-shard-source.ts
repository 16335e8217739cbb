/**
 * A source that replays files instead of reading Kinesis: every `<shardId>.ndjson` (or `.jsonl`,
 * `.txt`) file in a directory is one shard, every line one record, its sequence number the line
 * number. Files are read a chunk at a time (memory does not grow with their size; a read takes at
 * most `maxRecordsPerCall` lines and at most 8 MiB, unless one line is longer), and a shard ends
 * (it is checkpointed as SHARD_END) at the end of its file. Useful for replaying captured data and for
 * measuring the pipeline without a network in the way. A file whose name does not make a shard id
 * (see `isShardId`) fails the listing with a non-retriable error naming it. A read's lines are
 * spans of the chunk they are in (`readRaw`), with the line numbers written once beside them: no
 * object or string per record.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { confinedPath } from '../core/confined-path.js';
import { ConnectorError } from '../core/errors.js';
import { checkShardId } from '../core/shard-id.js';
import type { RecordSpans, StartAt } from '../core/records.js';
import { recordsOfSpans } from '../core/record-spans.js';
import type { RawReadResult, ReadResult, ShardInfo, ShardReader, ShardSource } from './shard-source.js';

const EXTENSIONS = ['.ndjson', '.jsonl', '.txt'];

export class FileShardSource implements ShardSource {
  constructor(private readonly options: { dir: string; maxRecordsPerCall?: number }) {}

  async listShards(): Promise<ShardInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (err) {
      throw new ConnectorError(`listing replay files in ${this.options.dir} failed: ${(err as Error).message}`, { code: 'LIST_SHARDS_FAILED', cause: err });
    }
    return names
      .filter((n) => EXTENSIONS.some((e) => n.endsWith(e)))
      .sort()
      .map((n) => ({ shardId: checkShardId(n.slice(0, n.lastIndexOf('.')), `the replay file ${JSON.stringify(n)}`, 'no replay file of that folder is read'), closed: true }));
  }

  openReader(shardId: string, startAt: StartAt): ShardReader {
    return new FileShardReader(this.options.dir, shardId, startAt, this.options.maxRecordsPerCall ?? 10_000);
  }

  async close(): Promise<void> {}
}

const CHUNK_BYTES = 1 << 20;
/** A read that has lines stops before its buffer would grow past this (a line longer than it is still read whole). */
const MAX_READ_BYTES = 8 << 20;
/** Digits of the largest line number (2^53). */
const MAX_DIGITS = 16;

/** How much `fill()` reads when `held` bytes are pending: a chunk, or as much as is held. */
function fillSize(held: number): number {
  return Math.max(CHUNK_BYTES, held);
}

/** Writes `n` (a non-negative integer) in decimal at `at`; returns where it ends. */
function writeDigits(out: Uint8Array, at: number, n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let k = at + digits - 1; k >= at; k--) {
    out[k] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

/** Reads a shard's file a chunk at a time, so memory does not grow with the file. */
class FileShardReader implements ShardReader {
  private handle: FileHandle | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private eof = false;
  private lineNo = 0;
  private skipped = false;

  /** Every record's partition key: the shard id, written once at the start of each read's keys. */
  private readonly partitionKey: Buffer;

  constructor(private readonly dir: string, private readonly shardId: string, private readonly startAt: StartAt, private readonly limit: number) {
    this.partitionKey = Buffer.from(shardId, 'utf8');
  }

  private async open(): Promise<FileHandle> {
    const name = (await readdir(this.dir)).find((n) => EXTENSIONS.some((e) => n === this.shardId + e));
    if (!name) throw new ConnectorError(`no replay file for shard ${this.shardId} in ${this.dir}`, { code: 'SHARD_NOT_FOUND' });
    return open(confinedPath(this.dir, name), 'r');
  }

  /**
   * Appends the next part of the file to `pending` (at least a chunk, and at least as much as it
   * holds, so a long read copies what it holds a bounded number of times); false at the end of the file.
   */
  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const held = this.pending.length;
    const size = fillSize(held);
    const buf = Buffer.allocUnsafeSlow(held + size);
    this.pending.copy(buf, 0);
    const { bytesRead } = await this.handle!.read(buf, held, size, null);
    if (bytesRead === 0) {
      this.eof = true;
      await this.handle!.close();
      return false;
    }
    this.pending = buf.subarray(0, held + bytesRead);
    return true;
  }

  /** Takes up to `max` lines (calling `take` with each, without its newline); returns how many. */
  private async lines(max: number, take: (line: Buffer) => void): Promise<number> {
    let n = 0;
    while (n < max) {
      const buf = this.pending;
      let start = 0;
      for (let nl = buf.indexOf(10); nl !== -1 && n < max; nl = buf.indexOf(10, start)) {
        take(buf.subarray(start, nl));
        start = nl + 1;
        n++;
      }
      this.pending = buf.subarray(start);
      if (n >= max) break;
      if (!(await this.fill())) {
        if (this.pending.length > 0) {
          take(this.pending);
          this.pending = Buffer.alloc(0);
          n++;
        }
        break;
      }
    }
    return n;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    if (handle && !this.eof) {
      this.eof = true;
      await handle.close();
    }
  }

  async read(): Promise<ReadResult> {
    const result = await this.readRaw();
    return { ...result, records: recordsOfSpans(result.records) };
  }

  /** Up to `limit` lines as spans of the buffer they are in; the partition key (the shard id) and the line numbers in `keys`. */
  async readRaw(): Promise<RawReadResult & { records: RecordSpans }> {
    this.handle ??= await this.open();
    if (!this.skipped) {
      this.skipped = true;
      const at = this.startAt;
      // Line n has the sequence number n: AFTER n skips n lines, AT n skips n - 1.
      const skip = at.type === 'AFTER_SEQUENCE_NUMBER' ? Number(at.sequenceNumber)
        : at.type === 'AT_SEQUENCE_NUMBER' ? Math.max(0, Number(at.sequenceNumber) - 1)
          : at.type === 'LATEST' ? Infinity : 0;
      this.lineNo += await this.lines(skip, () => {});
    }
    // The lines are found in `pending` without cutting it, so that all of them lie in one buffer:
    // `ends` holds each line's start and end.
    const ends: number[] = [];
    let start = 0;
    for (;;) {
      const buf = this.pending;
      for (let nl = buf.indexOf(10, start); nl !== -1 && ends.length < 2 * this.limit; nl = buf.indexOf(10, start)) {
        ends.push(start, nl);
        start = nl + 1;
      }
      if (ends.length >= 2 * this.limit || (ends.length > 0 && buf.length + fillSize(buf.length) > MAX_READ_BYTES)) break;
      if (!(await this.fill())) {
        // The last line of a file without a final newline.
        if (start < this.pending.length) ends.push(start, this.pending.length);
        start = this.pending.length;
        break;
      }
    }
    const n = ends.length / 2;
    const bytes = this.pending;
    this.pending = bytes.subarray(start);
    const key = this.partitionKey;
    const keys = Buffer.allocUnsafeSlow(key.length + n * MAX_DIGITS);
    key.copy(keys, 0);
    const spans = new Uint32Array(6 * n);
    let at = key.length;
    for (let i = 0; i < n; i++) {
      spans[6 * i] = ends[2 * i];
      spans[6 * i + 1] = ends[2 * i + 1];
      spans[6 * i + 2] = at;
      at = writeDigits(keys, at, ++this.lineNo);
      spans[6 * i + 3] = at;
      spans[6 * i + 4] = 0;
      spans[6 * i + 5] = key.length;
    }
    const records: RecordSpans = { bytes, keys, spans, arrivals: new Float64Array(n).fill(NaN), length: n };
    return { records, millisBehindLatest: 0, ended: this.eof && this.pending.length === 0 };
  }
}
