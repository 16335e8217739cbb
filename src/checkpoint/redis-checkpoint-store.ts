/** Checkpoints in Redis, at the original's key, moved forward by a compare-and-set Lua script. */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { checkpointKey, type CheckpointStore } from './checkpoint-store.js';
import { CheckpointError } from '../core/errors.js';
import { redactUrl } from '../config/url-rules.js';

const SET_SCRIPT = readFileSync(new URL('./checkpoint-set.lua', import.meta.url), 'utf8');

export interface RedisCheckpointStoreOptions {
  app: string;
  stream: string;
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
}

export class RedisCheckpointStore implements CheckpointStore {
  private readonly redis: Redis;
  private readonly where: string;

  constructor(private readonly options: RedisCheckpointStoreOptions) {
    this.where = redactUrl(options.url);
    this.redis = new Redis(options.url, {
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
    this.redis.defineCommand('checkpointSet', { numberOfKeys: 1, lua: SET_SCRIPT });
  }

  private key(shardId: string): string {
    return checkpointKey(this.options.app, this.options.stream, shardId);
  }

  async get(shardId: string): Promise<string | null> {
    try {
      return await this.redis.get(this.key(shardId));
    } catch (err) {
      throw new CheckpointError(`reading checkpoint ${this.key(shardId)} from Redis at ${this.where} failed: ${(err as Error).message}`, err);
    }
  }

  async set(shardId: string, sequenceNumber: string): Promise<string> {
    try {
      const redis = this.redis as Redis & { checkpointSet(key: string, value: string): Promise<string> };
      return await redis.checkpointSet(this.key(shardId), sequenceNumber);
    } catch (err) {
      throw new CheckpointError(`writing checkpoint ${this.key(shardId)} to Redis at ${this.where} failed: ${(err as Error).message}`, err);
    }
  }

  close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
