/**
 * ioredis, loaded on first use rather than on import: a pipeline on the file checkpoint store never
 * loads it (its module graph costs about 90 ms of CPU and 10 MB of heap at start-up).
 */
import { createRequire } from 'node:module';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';

const require = createRequire(import.meta.url);

/** A new ioredis connection. */
export function newRedis(url: string, options: RedisOptions): RedisClient {
  const { Redis } = require('ioredis') as typeof import('ioredis');
  return new Redis(url, options);
}
