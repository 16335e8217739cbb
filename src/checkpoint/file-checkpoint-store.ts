/**
 * Checkpoints in one JSON file (`{ "<app>:checkpoint:<stream>:<shardId>": "<seq>" }`), replaced
 * atomically (write to a temporary file, fsync, rename) on every set. The embedded default.
 *
 * It has no leases: one process reads every shard. `open` takes a lock file beside it
 * (`<file>.lock`, holding the pid and host), so a second process on the same file fails its
 * start-up instead of reading every shard a second time.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { checkpointKey, type CheckpointStore } from './checkpoint-store.js';
import { acquireLock, releaseLock } from './file-lock.js';
import { confinedPath } from '../core/confined-path.js';
import { CheckpointError, ConnectorError } from '../core/errors.js';
import { replaceFileDurably } from '../core/durable-files.js';
import { checkCheckpointValue, compareSequence } from '../core/sequence.js';

export class FileCheckpointStore implements CheckpointStore {
  private data: Record<string, string> | null = null;
  private writing: Promise<unknown> = Promise.resolve();
  private lock: string | undefined;

  constructor(private readonly options: { app: string; stream: string; file: string }) {}

  /** Takes the lock file; refuses when another live process (or another store here) holds it. */
  async open(): Promise<void> {
    const lock = `${this.options.file}.lock`;
    let taken;
    try {
      await mkdir(dirname(this.options.file), { recursive: true });
      taken = await acquireLock(lock);
    } catch (err) {
      throw new CheckpointError(`creating the lock file ${lock} of the checkpoint file failed: ${(err as Error).message}`, err);
    }
    if (taken.held) {
      this.lock = lock;
      return;
    }
    const { owner } = taken;
    const who = owner ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : 'another process';
    throw new ConnectorError(`checkpoint file ${this.options.file} is in use by ${who} (lock file ${lock}). The file store serves `
      + 'one process: to run several workers on one stream, use Redis checkpoints (checkpoint.redis), which share the shards through leases. '
      + 'Delete the lock file only if that process is gone.', { code: 'CHECKPOINT_IN_USE' });
  }

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
    checkCheckpointValue(sequenceNumber, `the checkpoint ${key}`);
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
    if (this.lock) {
      await releaseLock(this.lock);
      this.lock = undefined;
    }
  }
}
