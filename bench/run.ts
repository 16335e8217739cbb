// `npm run bench`: every question of the benchmark in one run, medians of several repetitions,
// printed as a table and written to bench/results/last-run.json (not tracked; `--out` elsewhere). The
// figures the README quotes are kept in bench/results/latest.json, written on purpose with
// `--out bench/results/latest.json`. `--smoke` runs tiny sizes (for CI:
// it checks that the benchmark runs, never how fast).
import { availableParallelism, cpus } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cpu } from './cpu.js';
import { e2e } from './e2e.js';
import { memory } from './memory.js';
import { overhead } from './overhead.js';
import { flags, removeInputs, writeJson } from './common.js';

// The SDK's notice about Node versions is not a benchmark figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const f = flags(process.argv.slice(2));
const smoke = f.smoke === 'true';
const reps = Number(f.reps ?? (smoke ? 1 : 3));
const sizes = smoke
  ? { cpu: 2_000, overhead: 5_000, memory: 2_000, e2e: 1_000 }
  : { cpu: 200_000, overhead: 1_000_000, memory: 500_000, e2e: 100_000 };
const out = resolve(f.out ?? new URL('../../bench/results/last-run.json', import.meta.url).pathname);

const started = Date.now();
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
log(`cpu (${sizes.cpu} records x ${reps})`);
const c = await cpu(sizes.cpu, reps);
log(`overhead (${sizes.overhead} records x ${reps})`);
const o = await overhead(sizes.overhead, reps);
log(`memory (${sizes.memory} and ${sizes.memory * 10} records x ${reps})`);
const m = await memory(sizes.memory, reps);
log(`e2e (${sizes.e2e} records x ${reps})`);
const e = await e2e(sizes.e2e, reps);
await removeInputs();

const result = {
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` },
  smoke,
  reps,
  cores: c.cores,
  cpu: c.cpu,
  overhead: o.overhead,
  memory: { ...m.memory, peakRssMB: Math.max(m.memory.peakRssMB, c.peakRssMB, o.peakRssMB) },
  e2e: e.e2e,
  seconds: (Date.now() - started) / 1000,
};
await mkdir(dirname(out), { recursive: true });
await writeJson(out, result);

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const rows: Array<[string, string, string]> = [
  ['cores', String(result.cores), `${result.machine.cpu}, Node ${result.machine.node}`],
  ['cpu.singleThreadRps', fmt(result.cpu.singleThreadRps), 'sample transform, plain loop, one thread'],
  ['cpu.limitRps', fmt(result.cpu.limitRps), `same transform, ${result.cores} raw worker threads, no I/O`],
  ['cpu.pipelineRps', fmt(result.cpu.pipelineRps), 'full actor pipeline, 4 shards, discarding emitter'],
  ['cpu.efficiency', fmt(result.cpu.efficiency, 3), 'pipelineRps / limitRps (target >= 0.85)'],
  ['overhead.identityRps', fmt(result.overhead.identityRps), 'identity transform, 100-byte records (target >= 250,000)'],
  ['overhead.identityMBps', fmt(result.overhead.identityMBps, 1), 'output MB/s of the same runs'],
  ['overhead.identityWithHttpRps', fmt(result.overhead.identityWithHttpRps), 'the same with the HTTP endpoints on, /metrics and /status.json scraped every second'],
  ['overhead.httpRatio', fmt(result.overhead.httpRatio, 3), 'with endpoints / without (same run, alternated)'],
  ['memory.peakRssMB', fmt(result.memory.peakRssMB, 1), 'peak RSS of any pipeline run (all threads)'],
  ['memory.growth10x', fmt(result.memory.growth10x, 2), `peak RSS at ${fmt(sizes.memory * 10)} / at ${fmt(sizes.memory)} records`],
  ['e2e.pipelineRps', fmt(result.e2e.pipelineRps), 'embedded Kinesis -> transform -> embedded S3, checkpoints'],
  ['e2e.naiveRps', fmt(result.e2e.naiveRps), 'the same by a plain single-threaded SDK loop'],
  ['e2e.speedup', fmt(result.e2e.speedup, 2), 'pipeline / naive (target >= 1.5)'],
  ['e2e.cpuBoundSpeedup', fmt(result.e2e.cpuBoundSpeedup, 2), 'best any parallel version of the naive loop could do here (emulators share the cores)'],
  ['e2e.pipelineCpuUtilization', fmt(result.e2e.pipelineCpuUtilization, 2), 'CPU of pipeline + emulators / (wall x cores) during the pipeline run'],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
process.stdout.write(`\n${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  what\n`);
for (const [k, v, what] of rows) process.stdout.write(`${k.padEnd(w0)}  ${v.padStart(w1)}  ${what}\n`);
process.stdout.write(`\nmedians of ${reps} run(s); ${fmt(result.seconds, 0)} s in all; written to ${out}\n`);
