/**
 * Checkpoints in Redis, at the original's key, moved forward by a compare-and-set Lua script, and
 * the shards' leases beside them on the same connection (see `redis-lease-store.ts`).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { newRedis } from './ioredis.js';
import { checkpointKey, cutsAbove, cutsKey, type CheckpointStore, type CutJournal } from './checkpoint-store.js';
import { leaseKey, type LeaseFence } from './lease-store.js';
import { RedisLeaseStore, defineLeaseCommands } from './redis-lease-store.js';
import { CheckpointError, LeaseLostError } from '../core/errors.js';
import { SHARD_END, checkCheckpointValue } from '../core/sequence.js';
import { redactUrl } from '../config/url-rules.js';
import { checkRedis } from './check-redis.js';

/** A checkpoint script, after the prelude the checkpoint scripts share (Redis scripts cannot include one another). */
const script = (name: string) => ['checkpoint-prelude', name].map((f) => readFileSync(new URL(`./${f}.lua`, import.meta.url), 'utf8')).join('\n');
const SET_SCRIPT = script('checkpoint-set');
const CUT_SCRIPT = script('cut-journal-add');

export interface RedisCheckpointStoreOptions {
  app: string;
  stream: string;
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
}

type SetCommand = (numberOfKeys: number, ...args: Array<string | number>) => Promise<string>;

export class RedisCheckpointStore implements CheckpointStore {
  private readonly redis: Redis;
  private readonly where: string;
  /** The shards' leases, on this store's connection. */
  readonly leases: RedisLeaseStore;
  readonly cuts: CutJournal = {
    read: (shardId) => this.readCuts(shardId),
    add: (shardId, sequenceNumber, fence) => this.addCut(shardId, sequenceNumber, fence),
  };

  constructor(private readonly options: RedisCheckpointStoreOptions) {
    this.where = redactUrl(options.url);
    this.redis = newRedis(options.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    this.redis.on('error', () => {
      // Connection errors surface as rejected commands (CheckpointError); the event is handled so
      // that ioredis does not print unhandled-error warnings while it reconnects.
    });
    this.redis.defineCommand('checkpointSet', { lua: SET_SCRIPT });
    this.redis.defineCommand('cutJournalAdd', { lua: CUT_SCRIPT });
    defineLeaseCommands(this.redis);
    this.leases = new RedisLeaseStore(this.redis, options, (what, call) => this.wrap(what, call));
  }

  private key(shardId: string): string {
    return checkpointKey(this.options.app, this.options.stream, shardId);
  }

  /** Runs a Redis call; its failure becomes a CheckpointError naming what failed and where (`what` ends with its preposition). */
  private async wrap<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw new CheckpointError(`${what} Redis at ${this.where} failed: ${(err as Error).message}`, err);
    }
  }

  get(shardId: string): Promise<string | null> {
    return this.wrap(`reading checkpoint ${this.key(shardId)} from`, () => this.redis.get(this.key(shardId)));
  }

  async set(shardId: string, sequenceNumber: string, fence?: LeaseFence): Promise<string> {
    const set = (this.redis as Redis & { checkpointSet: SetCommand }).checkpointSet;
    const key = this.key(shardId);
    checkCheckpointValue(sequenceNumber, `the checkpoint ${key}`);
    try {
      const stored = await (fence
        ? set.call(this.redis, 2, key, leaseKey(this.options.app, this.options.stream, shardId), sequenceNumber, fence.owner, fence.token)
        : set.call(this.redis, 1, key, sequenceNumber));
      // A finished shard needs no boundary journal (each add trims the journal of a shard still read).
      if (stored === SHARD_END && sequenceNumber === SHARD_END) await this.redis.del(cutsKey(this.options.app, this.options.stream, shardId));
      return stored;
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith('LEASE_LOST')) throw new LeaseLostError(`checkpoint ${key} refused: ${message.slice('LEASE_LOST '.length)}`, err);
      throw new CheckpointError(`writing checkpoint ${key} to Redis at ${this.where} failed: ${message}`, err);
    }
  }

  private async readCuts(shardId: string): Promise<string[]> {
    const key = cutsKey(this.options.app, this.options.stream, shardId);
    const [cuts, checkpoint] = await this.wrap(`reading the boundary journal ${key} from`, async () => {
      const replies = await this.redis.multi().smembers(key).get(this.key(shardId)).exec();
      if (!replies) throw new Error('MULTI was discarded');
      for (const [err] of replies) if (err) throw err;
      return [replies[0][1] as string[], replies[1][1] as string | null];
    });
    return cutsAbove(cuts, checkpoint);
  }

  private async addCut(shardId: string, sequenceNumber: string, fence?: LeaseFence): Promise<void> {
    const add = (this.redis as Redis & { cutJournalAdd: SetCommand }).cutJournalAdd;
    const key = cutsKey(this.options.app, this.options.stream, shardId);
    try {
      await (fence
        ? add.call(this.redis, 3, key, this.key(shardId), leaseKey(this.options.app, this.options.stream, shardId), sequenceNumber, fence.owner, fence.token)
        : add.call(this.redis, 2, key, this.key(shardId), sequenceNumber));
    } catch (err) {
      const message = (err as Error).message;
      if (message.startsWith('LEASE_LOST')) throw new LeaseLostError(`boundary ${sequenceNumber} in ${key} refused: ${message.slice('LEASE_LOST '.length)}`, err);
      throw new CheckpointError(`journaling boundary ${sequenceNumber} in ${key} at Redis ${this.where} failed: ${message}`, err);
    }
  }

  /** On a connection of its own, closed after: connects (authenticating) and PINGs. */
  check(): Promise<void> {
    return checkRedis(this.options.url);
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
