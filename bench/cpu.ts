// Question: how close does the pipeline get to what this machine's cores can do with the sample
// CPU-heavy transform? singleThreadRps (plain loop), limitRps (raw worker threads, one pre-split
// slice each, no I/O, no messaging), pipelineRps (the full actor pipeline), efficiency.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { fromRecord, keepRecord, toRecord } from '../src/local/sample-transform.js';
import { median, prepareInput, recordOf, runChild } from './common.js';

export function singleThreadRps(records: number): number {
  const input = Array.from({ length: records }, (_, i) => recordOf('click', i));
  const t0 = performance.now();
  let bytes = 0;
  for (const data of input) {
    const model = toRecord(data);
    if (keepRecord(model)) bytes += fromRecord(model).length;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (bytes === 0) throw new Error('the transform produced nothing');
  return records / seconds;
}

export async function limitRps(records: number, cores: number): Promise<number> {
  const per = Math.ceil(records / cores);
  const workers = Array.from({ length: cores }, (_, k) =>
    new Worker(new URL('./limit-worker.js', import.meta.url), { workerData: { from: k * per, to: Math.min(records, (k + 1) * per) } }));
  try {
    await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
    const t0 = performance.now();
    const done = workers.map((w) => new Promise((r) => w.once('message', r)));
    for (const w of workers) w.postMessage('go');
    await Promise.all(done);
    return records / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export interface PipelineRun { records: number; seconds: number; rps: number; bytes: number; peakRssMB: number; scrapes: number; cpuUsPerRecord: number }

export async function pipelineRun(records: number, transform: 'sample' | 'identity', kind: 'click' | 'bytes100', http = false): Promise<PipelineRun> {
  const input = await prepareInput(kind, records);
  return runChild<PipelineRun>('./pipeline-run.js', ['--records', String(records), '--transform', transform, '--input', input, '--shards', '4', '--http', String(http)]);
}

export async function cpu(records: number, reps: number) {
  const cores = availableParallelism();
  const single: number[] = [];
  const limit: number[] = [];
  const pipeline: PipelineRun[] = [];
  for (let r = 0; r < reps; r++) {
    single.push(singleThreadRps(Math.min(records, 50_000)));
    limit.push(await limitRps(records, cores));
    pipeline.push(await pipelineRun(records, 'sample', 'click'));
  }
  const limitRpsMedian = median(limit);
  const pipelineRps = median(pipeline.map((p) => p.rps));
  return {
    cores,
    cpu: {
      records,
      singleThreadRps: median(single),
      limitRps: limitRpsMedian,
      pipelineRps,
      efficiency: pipelineRps / limitRpsMedian,
      // CPU per record, all threads of the pipeline, against the plain loop's (one thread: its wall
      // time is its CPU time): the share of the pipeline's CPU that is the transform's own work.
      singleThreadCpuUsPerRecord: 1e6 / median(single),
      pipelineCpuUsPerRecord: median(pipeline.map((p) => p.cpuUsPerRecord)),
      transformShareOfCpu: (1e6 / median(single)) / median(pipeline.map((p) => p.cpuUsPerRecord)),
      runs: { single, limit, pipeline: pipeline.map((p) => p.rps) },
    },
    peakRssMB: Math.max(...pipeline.map((p) => p.peakRssMB)),
  };
}
