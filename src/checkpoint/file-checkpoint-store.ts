/**
 * Checkpoints in one JSON file (`{ "<app>:checkpoint:<stream>:<shardId>": "<seq>" }`), replaced
 * atomically (write to a temporary file, fsync, rename) on every set. The embedded default.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { checkpointKey, type CheckpointStore } from './checkpoint-store.js';
import { confinedPath } from '../core/confined-path.js';
import { CheckpointError } from '../core/errors.js';
import { replaceFileDurably } from '../core/durable-files.js';
import { compareSequence } from '../core/sequence.js';

export class FileCheckpointStore implements CheckpointStore {
  private data: Record<string, string> | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: { app: string; stream: string; file: string }) {}

  private async load(): Promise<Record<string, string>> {
    if (this.data) return this.data;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.options.file, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      this.data = parsed as Record<string, string>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CheckpointError(`reading checkpoint file ${this.options.file} failed: ${(err as Error).message}`, err);
      }
      this.data = {};
    }
    return this.data;
  }

  async get(shardId: string): Promise<string | null> {
    const data = await this.load();
    return data[checkpointKey(this.options.app, this.options.stream, shardId)] ?? null;
  }

  async set(shardId: string, sequenceNumber: string): Promise<string> {
    await this.load();
    const key = checkpointKey(this.options.app, this.options.stream, shardId);
    // Writes are serialised; the map in memory changes only once the file holding it is durable,
    // so a failed write is never reported as stored by a later call.
    const write = this.writing.then(async () => {
      const data = this.data!;
      const current = data[key];
      if (current !== undefined && compareSequence(sequenceNumber, current) <= 0) return current;
      const next = { ...data, [key]: sequenceNumber };
      await this.persist(JSON.stringify(next, null, 2));
      this.data = next;
      return sequenceNumber;
    });
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async persist(text: string): Promise<void> {
    const file = this.options.file;
    // Shard ids are keys inside the file, never parts of its name; the temporary file stays beside it.
    const tmp = confinedPath(dirname(file), `${basename(file)}.${process.pid}.tmp`);
    try {
      await replaceFileDurably(file, tmp, text);
    } catch (err) {
      throw new CheckpointError(`writing checkpoint file ${file} failed: ${(err as Error).message}`, err);
    }
  }

  async close(): Promise<void> {
    await this.writing;
  }
}
