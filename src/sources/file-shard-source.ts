/**
 * A source that replays files instead of reading Kinesis: every `<shardId>.ndjson` (or `.jsonl`,
 * `.txt`) file in a directory is one shard, every line one record, its sequence number the line
 * number. Files are read a chunk at a time (memory does not grow with their size), and a shard ends
 * (it is checkpointed as SHARD_END) at the end of its file. Useful for replaying captured data and for
 * measuring the pipeline without a network in the way. A file whose name does not make a shard id
 * (see `isShardId`) fails the listing with a non-retriable error naming it.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { confinedPath } from '../core/confined-path.js';
import { ConnectorError } from '../core/errors.js';
import { checkShardId } from '../core/shard-id.js';
import type { SourceRecord, StartAt } from '../core/records.js';
import type { ReadResult, ShardInfo, ShardReader, ShardSource } from './shard-source.js';

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

/** Reads a shard's file a chunk at a time, so memory does not grow with the file. */
class FileShardReader implements ShardReader {
  private handle: FileHandle | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private eof = false;
  private lineNo = 0;
  private skipped = false;

  constructor(private readonly dir: string, private readonly shardId: string, private readonly startAt: StartAt, private readonly limit: number) {}

  private async open(): Promise<FileHandle> {
    const name = (await readdir(this.dir)).find((n) => EXTENSIONS.some((e) => n === this.shardId + e));
    if (!name) throw new ConnectorError(`no replay file for shard ${this.shardId} in ${this.dir}`, { code: 'SHARD_NOT_FOUND' });
    return open(confinedPath(this.dir, name), 'r');
  }

  /** Appends the next chunk of the file to `pending`; false at the end of the file. */
  private async fill(): Promise<boolean> {
    if (this.eof) return false;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await this.handle!.read(chunk, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) {
      this.eof = true;
      await this.handle!.close();
      return false;
    }
    const data = chunk.subarray(0, bytesRead);
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
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
    const records: SourceRecord[] = [];
    const shardId = this.shardId;
    await this.lines(this.limit, (data) => {
      records.push({ data, sequenceNumber: String(++this.lineNo), partitionKey: shardId, arrival: NaN });
    });
    return { records, millisBehindLatest: 0, ended: this.eof && this.pending.length === 0 };
  }
}
