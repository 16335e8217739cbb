/**
 * The dead-letter sink of `deadLetter.dir`: one NDJSON file per shard, `<dir>/<shardId>.ndjson`, a
 * line per record with the raw bytes (base64), shard, sequence number, partition key and the error.
 * Each write is fsynced before the records' batch can be acknowledged, so a checkpoint never passes
 * a poison record that was not stored. The file is always inside `dir`: a shard id that is not one
 * (or would put the file elsewhere) fails the write with a non-retriable error naming it.
 */
import { mkdir, open } from 'node:fs/promises';
import { confinedPath } from '../core/confined-path.js';
import { ConnectorError } from '../core/errors.js';
import { fsyncDir } from '../core/durable-files.js';
import { checkShardId } from '../core/shard-id.js';
import { deadLetterLines, type DeadLetterEntry, type DeadLetterSink } from './dead-letter-sink.js';

export class FileDeadLetterSink implements DeadLetterSink {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {}

  /**
   * `<dir>/<shardId>.ndjson`. Throws a non-retriable ConnectorError when `shardId` is not a shard id
   * (`BAD_SHARD_ID`) or the file would not be inside `dir` (`PATH_ESCAPE`).
   */
  location(shardId: string): string {
    return confinedPath(this.dir, `${checkShardId(shardId, 'a dead-letter write', 'nothing is written')}.ndjson`);
  }

  async write(shardId: string, entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const file = this.location(shardId);
    this.ready ??= mkdir(this.dir, { recursive: true });
    try {
      await this.ready;
      const handle = await open(file, 'a');
      try {
        await handle.writeFile(deadLetterLines(entries));
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

  close(): Promise<void> {
    return Promise.resolve();
  }
}
