/**
 * A source that replays files instead of reading Kinesis: every `<shardId>.ndjson` (or `.jsonl`,
 * `.txt`) file in a directory is one shard, every line one record, its sequence number the line
 * number. Files are read a chunk at a time (memory does not grow with their size), and a shard ends
 * (it is checkpointed as SHARD_END) at the end of its file. Useful for replaying captured data and for
 * measuring the pipeline without a network in the way.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectorError } from './errors.js';
import type { StartAt } from './protocol.js';
import type { SourceRecord } from './record-window.js';
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
      .map((n) => ({ shardId: n.slice(0, n.lastIndexOf('.')), closed: true }));
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
    return open(join(this.dir, name), 'r');
  }

  /** The next line (without its newline), or null at the end of the file. */
  private async nextLine(): Promise<Buffer | null> {
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl !== -1) {
        const line = this.pending.subarray(0, nl);
        this.pending = this.pending.subarray(nl + 1);
        return line;
      }
      if (this.eof) {
        if (this.pending.length === 0) return null;
        const line = this.pending;
        this.pending = Buffer.alloc(0);
        return line;
      }
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await this.handle!.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) {
        this.eof = true;
        await this.handle!.close();
      }
      this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    }
  }

  async read(): Promise<ReadResult> {
    this.handle ??= await this.open();
    if (!this.skipped) {
      this.skipped = true;
      const skip = this.startAt.type === 'AFTER_SEQUENCE_NUMBER' ? Number(this.startAt.sequenceNumber)
        : this.startAt.type === 'LATEST' ? Infinity : 0;
      while (this.lineNo < skip && (await this.nextLine()) !== null) this.lineNo++;
    }
    const records: SourceRecord[] = [];
    while (records.length < this.limit) {
      const line = await this.nextLine();
      if (line === null) break;
      this.lineNo++;
      records.push({ data: line, sequenceNumber: String(this.lineNo), partitionKey: this.shardId, arrival: NaN });
    }
    const ended = this.eof && this.pending.length === 0;
    return { records, millisBehindLatest: 0, ended };
  }
}
