// Worker thread entry: hosts shard actors.
// The SDK's Node-version notice is printed once by the main thread; not again per thread.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { parentPort, workerData } from 'node:worker_threads';
import { runShardHost } from '../src/actors/shard-host.js';
import type { ShardHostData } from '../src/threads/protocol.js';

await runShardHost(workerData as ShardHostData, parentPort!);
