/** Builds the ShardSource that `source.type` names. */
import type { ResolvedConfig } from './config.js';
import { FileShardSource } from './file-shard-source.js';
import { createKinesisClient } from './kinesis-client.js';
import { KinesisShardSource } from './kinesis-shard-source.js';
import type { Logger } from './logger.js';
import type { ShardSource } from './shard-source.js';

export function createSource(config: ResolvedConfig, logger: Logger): ShardSource {
  if (config.source.type === 'files') {
    return new FileShardSource({ dir: config.source.dir, maxRecordsPerCall: config.reader.maxRecordsPerCall });
  }
  const client = createKinesisClient(config.kinesis);
  const source = new KinesisShardSource({ client, stream: config.stream, logger, maxRecordsPerCall: config.reader.maxRecordsPerCall });
  const close = source.close.bind(source);
  source.close = async () => {
    await close();
    client.destroy();
  };
  return source;
}
