// `npm run bench`: every question of the benchmark in one run, medians of several repetitions,
// printed as a table and written to bench/results/last-run.json (not tracked; `--out` elsewhere). The
// figures the README quotes are kept in bench/results/latest.json, written on purpose with
// `--out bench/results/latest.json`. `--smoke` runs tiny sizes (for CI: it checks that the benchmark
// runs, never how fast). `--only e2e,manyShards` runs only those sections (cpu, overhead, memory,
// e2e, dataLake, manyShards). `--protocol cbor|json` is passed to the pipeline's Kinesis options (e2e and
// manyShards) only when given.
import { availableParallelism, cpus } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { cpu } from './cpu.js';
import { dataLake } from './data-lake.js';
import { e2e } from './e2e.js';
import { manyShards } from './many-shards.js';
import { memory } from './memory.js';
import { overhead } from './overhead.js';
import { flags, removeInputs, writeJson } from './common.js';
import { printTable } from './table.js';

// The SDK's notice about Node versions is not a benchmark figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const SECTIONS = ['cpu', 'overhead', 'memory', 'e2e', 'dataLake', 'manyShards'] as const;
type Section = typeof SECTIONS[number];
const f = flags(process.argv.slice(2));
const smoke = f.smoke === 'true';
const reps = Number(f.reps ?? (smoke ? 1 : 3));
const only = new Set((f.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`--only: no section "${s}" (sections: ${SECTIONS.join(', ')})`);
const runs = (s: Section) => only.has(s);
const sizes = smoke
  ? { cpu: 2_000, overhead: 5_000, memory: 2_000, e2e: 1_000 }
  : { cpu: 200_000, overhead: 1_000_000, memory: 500_000, e2e: 100_000 };
const many = {
  shards: Number(f['many-shards'] ?? (smoke ? 8 : 1000)),
  hot: Number(f['hot-shards'] ?? 4),
  records: Number(f['many-records'] ?? (smoke ? 400 : 50_000)),
  recordBytes: Number(f['record-bytes'] ?? 100),
  idleSeconds: Number(f['idle-seconds'] ?? (smoke ? 1 : 10)),
  reps: Number(f['many-reps'] ?? 1),
  kinesisHotSeconds: Number(f['kinesis-hot-seconds'] ?? 60),
  fileRecords: Number(f['many-file-records'] ?? (smoke ? 400 : 500_000)),
  maxIdlePollMs: Number(f['max-idle-poll'] ?? (smoke ? 0 : 1000)),
};
const extra = f.protocol ? ['--protocol', f.protocol] : [];
const out = resolve(f.out ?? new URL('../../bench/results/last-run.json', import.meta.url).pathname);

const started = Date.now();
const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const result: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` },
  smoke, reps, sections: [...only], ...(f.protocol ? { protocol: f.protocol } : {}),
  cores: availableParallelism(),
};
const memoryFigures: Record<string, number> = {};
const peaks: number[] = [];
if (runs('cpu')) {
  log(`cpu (${sizes.cpu} records x ${reps})`);
  const c = await cpu(sizes.cpu, reps);
  result.cpu = c.cpu;
  peaks.push(c.peakRssMB);
}
if (runs('overhead')) {
  log(`overhead (${sizes.overhead} records x ${reps})`);
  const o = await overhead(sizes.overhead, reps);
  result.overhead = o.overhead;
  peaks.push(o.peakRssMB);
}
if (runs('memory')) {
  log(`memory (${sizes.memory} and ${sizes.memory * 10} records x ${reps})`);
  const m = await memory(sizes.memory, reps);
  Object.assign(memoryFigures, m.memory);
  peaks.push(m.memory.peakRssMB);
}
if (runs('e2e')) {
  log(`e2e (${sizes.e2e} records x ${reps}: pipeline, concurrent loop, sequential loop)`);
  const e = await e2e(sizes.e2e, reps, extra);
  result.e2e = e.e2e;
  memoryFigures.e2ePeakRssMB = e.e2e.pipelinePeakRssMB;
}
if (runs('dataLake')) {
  log(`dataLake (${sizes.e2e} records x ${reps}: exactly-once on, off, Parquet, partitioned keys; identity into files, ${sizes.overhead / 2} records, exactly-once on and off)`);
  const d = await dataLake(sizes.e2e, reps, extra, sizes.overhead / 2);
  result.dataLake = d.dataLake;
}
if (runs('manyShards')) {
  log(`manyShards (${many.shards} shards, ${many.idleSeconds} s idle, ${many.records} records into ${many.hot} of them x ${many.reps})`);
  const m = await manyShards({ ...many, extra });
  result.manyShards = m.manyShards;
}
await removeInputs();
// memory.peakRssMB stays the peak of the replay-file runs (cpu, overhead, memory), as before.
if (peaks.length > 0) memoryFigures.peakRssMB = Math.max(memoryFigures.peakRssMB ?? 0, ...peaks);
if (Object.keys(memoryFigures).length > 0) result.memory = memoryFigures;
result.seconds = (Date.now() - started) / 1000;
await mkdir(dirname(out), { recursive: true });
await writeJson(out, result);
printTable(result, { memoryRecords: sizes.memory });
const manyReps = runs('manyShards') ? ` (manyShards: ${many.reps})` : '';
process.stdout.write(`\nmedians of ${reps} run(s)${manyReps}; ${Math.round(result.seconds as number)} s in all; written to ${out}\n`);
