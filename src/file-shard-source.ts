/**
 * A source that replays files instead of reading Kinesis: every `<shardId>.ndjson` (or `.jsonl`,
 * `.txt`) file in a directory is one shard, every line one record, its sequence number the line
 * number. The whole file is loaded into memory when the shard is opened, and the shard ends (it is
 * checkpointed as SHARD_END) at the end of the file. Useful for replaying captured data and for
 * measuring the pipeline without a network in the way.
 */
import { readdir, readFile } from 'node:fs/promises';
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

class FileShardReader implements ShardReader {
  private lines: Buffer[] | null = null;
  private next = 0;

  constructor(private readonly dir: string, private readonly shardId: string, private readonly startAt: StartAt, private readonly limit: number) {}

  private async load(): Promise<Buffer[]> {
    const name = (await readdir(this.dir)).find((n) => EXTENSIONS.some((e) => n === this.shardId + e));
    if (!name) throw new ConnectorError(`no replay file for shard ${this.shardId} in ${this.dir}`, { code: 'SHARD_NOT_FOUND' });
    const text = await readFile(join(this.dir, name));
    const lines: Buffer[] = [];
    let start = 0;
    for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, start)) {
      lines.push(text.subarray(start, i));
      start = i + 1;
    }
    if (start < text.length) lines.push(text.subarray(start));
    if (this.startAt.type === 'AFTER_SEQUENCE_NUMBER') this.next = Number(this.startAt.sequenceNumber);
    else if (this.startAt.type === 'LATEST') this.next = lines.length;
    return lines;
  }

  async read(): Promise<ReadResult> {
    const lines = this.lines ?? (this.lines = await this.load());
    const end = Math.min(lines.length, this.next + this.limit);
    const records: SourceRecord[] = new Array(end - this.next);
    for (let i = this.next; i < end; i++) {
      records[i - this.next] = { data: lines[i], sequenceNumber: String(i + 1), partitionKey: this.shardId, arrival: NaN };
    }
    this.next = end;
    return { records, millisBehindLatest: 0, ended: end >= lines.length };
  }
}
