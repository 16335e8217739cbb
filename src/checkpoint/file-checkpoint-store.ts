/**
 * Checkpoints in one JSON file (`{ "<app>:checkpoint:<stream>:<shardId>": "<seq>" }`, and each
 * shard's journal of batch boundaries as `"<app>:cuts:<stream>:<shardId>": ["<seq>", …]`),
 * replaced atomically (write to a temporary file, fsync, rename); the changes made while one write is
 * under way go together into the next (a checkpoint round of 1,000 shards took 1.4-1.7 s and as
 * much CPU with a write per change, 8-28 ms with one write per round). The embedded default.
 *
 * It has no leases: one process reads every shard. `open` takes a lock file beside it
 * (`<file>.lock`, holding the pid and host), so a second process on the same file fails its
 * start-up instead of reading every shard a second time.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { checkpointKey, cutsAbove, cutsKey, type CheckpointStore, type CutJournal } from './checkpoint-store.js';
import { acquireLock, releaseLock } from './file-lock.js';
import { confinedPath } from '../core/confined-path.js';
import { CheckpointError, ConnectorError } from '../core/errors.js';
import { replaceFileDurably } from '../core/durable-files.js';
import { checkCheckpointValue, compareSequence } from '../core/sequence.js';

type FileData = Record<string, string | string[]>;

export class FileCheckpointStore implements CheckpointStore {
  private data: FileData | null = null;
  readonly cuts: CutJournal = {
    read: async (shardId) => {
      const cuts = (await this.load())[cutsKey(this.options.app, this.options.stream, shardId)];
      return cutsAbove(Array.isArray(cuts) ? cuts : [], await this.get(shardId));
    },
    add: (shardId, sequenceNumber) => this.change((draft) => {
      const checkpoint = draft[checkpointKey(this.options.app, this.options.stream, shardId)];
      const above = (c: string) => typeof checkpoint !== 'string' || compareSequence(c, checkpoint) > 0;
      if (!above(sequenceNumber)) return false;
      const key = cutsKey(this.options.app, this.options.stream, shardId);
      const cuts = Array.isArray(draft[key]) ? draft[key].filter(above) : [];
      draft[key] = [...new Set([...cuts, sequenceNumber])];
      return true;
    }).then(() => undefined),
  };
  /** Changes waiting for the next write, and the write loop while one runs. */
  private readonly queued: Array<{ apply: (draft: FileData) => boolean; resolve: (d: FileData) => void; reject: (e: unknown) => void }> = [];
  private writing: Promise<void> | undefined;
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

  private async load(): Promise<FileData> {
    if (this.data) return this.data;
    try {
      const parsed: unknown = JSON.parse(await readFile(this.options.file, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      this.data = parsed as FileData;
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
    const value = data[checkpointKey(this.options.app, this.options.stream, shardId)];
    return typeof value === 'string' ? value : null;
  }

  async set(shardId: string, sequenceNumber: string): Promise<string> {
    const key = checkpointKey(this.options.app, this.options.stream, shardId);
    checkCheckpointValue(sequenceNumber, `the checkpoint ${key}`);
    const cuts = cutsKey(this.options.app, this.options.stream, shardId);
    const data = await this.change((draft) => {
      const current = draft[key];
      if (typeof current === 'string' && compareSequence(sequenceNumber, current) <= 0) return false;
      draft[key] = sequenceNumber;
      // The journal keeps only boundaries above the checkpoint (none once the shard is finished).
      const kept = Array.isArray(draft[cuts]) ? draft[cuts].filter((c) => compareSequence(c, sequenceNumber) > 0) : [];
      if (kept.length > 0) draft[cuts] = kept;
      else delete draft[cuts];
      return true;
    });
    return data[key] as string;
  }

  /**
   * Applies `apply` to a draft of the data (it returns whether it changed it) and makes the result durable; resolves with
   * the data afterwards. The map in memory changes only once the file holding it is durable, so a
   * failed write is never reported as stored by a later call. Changes that arrive while a write is
   * under way go together into the next write (one file write and fsync for a whole checkpoint
   * round of many shards, instead of one per shard); a failed write fails the changes it carried.
   */
  private change(apply: (draft: FileData) => boolean): Promise<FileData> {
    const done = new Promise<FileData>((resolve, reject) => this.queued.push({ apply, resolve, reject }));
    this.writing ??= this.writeQueued().finally(() => { this.writing = undefined; });
    return done;
  }

  /** Writes the queued changes, a group per write, until none is left. */
  private async writeQueued(): Promise<void> {
    while (this.queued.length > 0) {
      let group = this.queued.splice(0);
      try {
        // Loading takes a moment: the changes made meanwhile join this write.
        const draft = { ...await this.load() };
        group = [...group, ...this.queued.splice(0)];
        let changed = false;
        for (const c of group) changed = c.apply(draft) || changed;
        if (changed) {
          await this.persist(JSON.stringify(draft, null, 2));
          this.data = draft;
        }
        for (const c of group) c.resolve(this.data!);
      } catch (err) {
        for (const c of group) c.reject(err);
      }
    }
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
