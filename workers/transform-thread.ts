// Piscina pool thread: runs the user's transform module over whole windows.
// The SDK's Node-version notice is printed once by the main thread; not again per thread.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { parentPort } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { answerTransformTask, type TransformTask } from '../src/transform/transform-task.js';
import { movable } from '../src/transform/record-window.js';

export default async function (task: TransformTask) {
  const result = await answerTransformTask((workerData as { module?: string }).module, task, (m) => parentPort?.postMessage(m));
  if (!result || 'taskError' in result) return result;
  return move({
    get [transferableSymbol]() { return movable([result.data, result.offsets.buffer, result.keptIndex.buffer, result.keys, result.keyOffsets.buffer]); },
    get [valueSymbol]() { return result; },
  });
}
