// The benchmark in CI: tiny sizes, checks that it runs and writes every field. Never about speed.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('npm run bench --smoke runs and writes every figure as a number', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-bench-smoke-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, 'latest.json');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [new URL('../bench/run.js', import.meta.url).pathname, '--smoke', '--out', out], { timeout: 150_000 },
      (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)));
  });
  t.regex(stdout, /cpu\.efficiency/);
  const r = JSON.parse(await readFile(out, 'utf8'));
  const fields = ['cores', 'cpu.singleThreadRps', 'cpu.limitRps', 'cpu.pipelineRps', 'cpu.efficiency', 'overhead.identityRps',
    'overhead.identityMBps', 'memory.peakRssMB', 'memory.e2ePeakRssMB',
    'e2e.pipelineRps', 'e2e.concurrentRps', 'e2e.sequentialRps', 'e2e.speedup', 'e2e.speedupVsSequential',
    'e2e.pipelineCpuUsPerRecord', 'e2e.concurrentCpuUsPerRecord', 'e2e.sequentialCpuUsPerRecord', 'e2e.emulatorCpuUsPerRecord',
    'e2e.cpuBoundSpeedup', 'e2e.pipelineCpuUtilization',
    'dataLake.exactlyOnceRps', 'dataLake.atLeastOnceRps', 'dataLake.parquetRps', 'dataLake.exactlyOnceRpsRatio', 'dataLake.exactlyOnceCpuRatio',
    'dataLake.parquetRpsRatio', 'dataLake.parquetCpuRatio', 'dataLake.identityExactlyOnceRps', 'dataLake.identityAtLeastOnceRps',
    'dataLake.identityExactlyOnceRpsRatio', 'dataLake.identityExactlyOnceCpuRatio', 'dataLake.partitionedRps', 'dataLake.partitionedRpsRatio', 'dataLake.partitionedCpuRatio',
    'manyShards.startSeconds', 'manyShards.idleGetRecordsPerSecond', 'manyShards.idleCpuUsPerPoll', 'manyShards.sdkIdleGetRecordsPerSecond', 'manyShards.rssMB', 'manyShards.peakRssMB', 'manyShards.hotRps', 'manyShards.fourShardRps', 'manyShards.hotRpsRatio'];
  // CPU percentages may round to 0 on a quiet machine: finite and not negative.
  const nonNegative = ['manyShards.idleCpuPercent', 'manyShards.emulatorIdleCpuPercent', 'manyShards.sdkIdleCpuPercent'];
  const at = (field: string) => field.split('.').reduce((o, k) => (o as Record<string, unknown>)?.[k], r as unknown);
  for (const field of fields) {
    const value = at(field);
    t.true(typeof value === 'number' && Number.isFinite(value) && value > 0, `${field} = ${String(value)}`);
  }
  for (const field of nonNegative) {
    const value = at(field);
    t.true(typeof value === 'number' && Number.isFinite(value) && value >= 0, `${field} = ${String(value)}`);
  }
  t.regex(stdout, /manyShards\.hotRpsRatio/);
  t.true(Array.isArray(r.cpu.runs.pipeline) && r.cpu.runs.pipeline.length === 1, 'one repetition in a smoke run');
});
