/** The start-up check of the Redis checkpoint store: connect (authenticating), then PING. */
import { newRedis } from './ioredis.js';
import { redactUrl } from '../config/url-rules.js';
import { SinkCheckError } from '../core/errors.js';

/**
 * One connection attempt, no reconnection, no offline queue: rejects with a SinkCheckError naming
 * `checkpoint.redis` (without its password) and Redis' error (refused connection, WRONGPASS,
 * NOAUTH…), or resolves once PING answers. The connection is closed either way.
 */
export async function checkRedis(url: string, connectTimeoutMs = 5000): Promise<void> {
  const redis = newRedis(url, {
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: connectTimeoutMs,
    retryStrategy: () => null, reconnectOnError: () => false,
  });
  // ioredis rejects connect() with "Connection is closed."; the reason is in the last error event.
  let last: Error | undefined;
  redis.on('error', (err: Error) => { last = err; });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new SinkCheckError('checkpoint store', `checkpoint.redis ${JSON.stringify(redactUrl(url))}`, 'connecting and PING', last ?? err);
  } finally {
    redis.disconnect();
  }
}
