// Worker thread entry: an emitter actor.
// The SDK's Node-version notice is printed once by the main thread; not again per thread.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { parentPort, workerData } from 'node:worker_threads';
import { runEmitterHost } from '../src/actors/emitter-host.js';
import type { EmitterThreadData } from '../src/threads/protocol.js';

await runEmitterHost(workerData as EmitterThreadData, parentPort!);
