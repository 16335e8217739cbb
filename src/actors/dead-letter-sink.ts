/**
 * Where records whose transform threw go: one NDJSON file per shard, `<dir>/<shardId>.ndjson`, a
 * line per record with the raw bytes (base64), shard, sequence number, partition key and the error.
 * Each write is fsynced before the records' batch can be acknowledged, so a checkpoint never passes
 * a poison record that was not stored.
 */
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ConnectorError } from '../core/errors.js';
import { fsyncDir } from '../core/fsync-dir.js';

export interface DeadLetterEntry {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  dataBase64: string;
  error: { name: string; message: string; stack?: string };
  failedAt: string;
}

export class DeadLetterSink {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  file(shardId: string): string {
    return join(this.dir, `${shardId}.ndjson`);
  }

  async write(shardId: string, entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.ready ??= mkdir(this.dir, { recursive: true });
    const file = this.file(shardId);
    try {
      await this.ready;
      const handle = await open(file, 'a');
      try {
        await handle.writeFile(entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsyncDir(this.dir);
    } catch (err) {
      this.ready = undefined;
      throw new ConnectorError(`writing ${entries.length} dead-letter record(s) to ${file} failed: ${(err as Error).message}`,
        { code: 'DEAD_LETTER_FAILED', retriable: true, cause: err });
    }
  }
}
