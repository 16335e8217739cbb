// Question: what does the framework itself cost per record? The full pipeline with the identity
// transform (bytes pass through) over 100-byte records. And what do the endpoints cost: the same
// runs with the HTTP endpoints on and scraped every second, alternated with the runs without.
import { median } from './common.js';
import { pipelineRun } from './cpu.js';

export async function overhead(records: number, reps: number) {
  const runs = [];
  const withHttp = [];
  for (let r = 0; r < reps; r++) {
    runs.push(await pipelineRun(records, 'identity', 'bytes100'));
    withHttp.push(await pipelineRun(records, 'identity', 'bytes100', true));
  }
  const identityRps = median(runs.map((p) => p.rps));
  const identityMBps = median(runs.map((p) => p.bytes / p.seconds / (1024 * 1024)));
  const identityWithHttpRps = median(withHttp.map((p) => p.rps));
  return {
    overhead: {
      records, identityRps, identityMBps, runs: runs.map((p) => p.rps),
      identityCpuUsPerRecord: median(runs.map((p) => p.cpuUsPerRecord)),
      identityWithHttpRps, httpRatio: identityWithHttpRps / identityRps, httpRuns: withHttp.map((p) => p.rps), httpScrapes: withHttp.map((p) => p.scrapes),
    },
    peakRssMB: Math.max(...runs.map((p) => p.peakRssMB), ...withHttp.map((p) => p.peakRssMB)),
  };
}
