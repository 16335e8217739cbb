// Question: what does the framework itself cost per record? The full pipeline with the identity
// transform (bytes pass through) over 100-byte records.
import { median } from './common.js';
import { pipelineRun } from './cpu.js';

export async function overhead(records: number, reps: number) {
  const runs = [];
  for (let r = 0; r < reps; r++) runs.push(await pipelineRun(records, 'identity', 'bytes100'));
  const identityRps = median(runs.map((p) => p.rps));
  const identityMBps = median(runs.map((p) => p.bytes / p.seconds / (1024 * 1024)));
  return { overhead: { records, identityRps, identityMBps, runs: runs.map((p) => p.rps) }, peakRssMB: Math.max(...runs.map((p) => p.peakRssMB)) };
}
