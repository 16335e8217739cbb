/** Builds the ShardSource that `source.type` names (loading only the modules that source needs). */
import type { ResolvedConfig } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import type { ShardSource } from './shard-source.js';

/**
 * `use` says what the source is for: `"read"` (a shard host thread reading records, and listing the
 * shards for the supervisor) or `"list"` (the status command): a listing source has no CBOR client,
 * so it does not load the signer and the CBOR decoder it never uses.
 */
export async function createSource(config: ResolvedConfig, logger: Logger, use: 'read' | 'list' = 'read'): Promise<ShardSource> {
  if (config.source.type === 'files') {
    const { FileShardSource } = await import('./file-shard-source.js');
    return new FileShardSource({ dir: config.source.dir, maxRecordsPerCall: config.reader.maxRecordsPerCall });
  }
  const { createKinesisClient } = await import('../aws/kinesis-client.js');
  const { KinesisShardSource } = await import('./kinesis-shard-source.js');
  const client = createKinesisClient(config.kinesis);
  // GetRecords in CBOR signs with the SDK client's credentials provider: one chain, one cache.
  const cborClient = config.kinesis.protocol === 'cbor' && use === 'read'
    ? new (await import('../aws/kinesis-cbor-client.js')).KinesisCborClient({ region: config.kinesis.region, endpoint: config.kinesis.endpoint, credentials: client.config.credentials })
    : undefined;
  const source = new KinesisShardSource({ client, cborClient, stream: config.stream, logger,
    maxRecordsPerCall: config.reader.maxRecordsPerCall, maxBytesPerCall: config.reader.maxBytesPerCall });
  const close = source.close.bind(source);
  source.close = async () => {
    await close();
    cborClient?.destroy();
    client.destroy();
  };
  return source;
}
