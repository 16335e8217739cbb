// A raw worker thread for the CPU limit: transforms its own pre-built slice, no framework.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { fromRecord, keepRecord, toRecord } from '../src/local/sample-transform.js';
import { recordOf } from './common.js';

const { from, to } = workerData as { from: number; to: number };
const input: Buffer[] = [];
for (let i = from; i < to; i++) input.push(recordOf('click', i));
parentPort!.postMessage({ type: 'ready' });
parentPort!.once('message', () => {
  const t0 = performance.now();
  let bytes = 0;
  for (const data of input) {
    const model = toRecord(data);
    if (keepRecord(model)) bytes += fromRecord(model).length;
  }
  parentPort!.postMessage({ type: 'done', ms: performance.now() - t0, bytes });
});
