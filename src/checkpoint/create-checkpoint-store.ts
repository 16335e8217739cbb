/** The store that `checkpoint` names: Redis when `checkpoint.redis` is set, else the file. */
import type { ResolvedConfig } from '../config/config.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { FileCheckpointStore } from './file-checkpoint-store.js';
import { RedisCheckpointStore } from './redis-checkpoint-store.js';

export function createCheckpointStore(config: Pick<ResolvedConfig, 'app' | 'stream' | 'checkpoint'>): CheckpointStore {
  const { app, stream, checkpoint } = config;
  return checkpoint.redis
    ? new RedisCheckpointStore({ app, stream, url: checkpoint.redis })
    : new FileCheckpointStore({ app, stream, file: checkpoint.file });
}
