/** `kinesis-connectors status`: the stream's shards, leases and checkpoints, and its live workers. */
import { createCheckpointStore } from '../checkpoint/create-checkpoint-store.js';
import { resolveConfig } from '../config/config.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { silentLogger } from '../core/logger.js';
import { createSource } from '../sources/create-source.js';
import { formatStreamStatus, readStreamStatus } from '../supervisor/stream-status.js';

export async function showStatus(file: string, json: boolean): Promise<string> {
  const { options, baseDir } = await loadConfigFile(file);
  const config = resolveConfig(options, { baseDir });
  const source = await createSource(config, silentLogger, 'list');
  const store = createCheckpointStore(config);
  try {
    const status = await readStreamStatus({ app: config.app, stream: config.stream }, source, store);
    return json ? `${JSON.stringify(status, null, 2)}\n` : formatStreamStatus(status);
  } finally {
    await Promise.allSettled([source.close(), store.close()]);
  }
}
