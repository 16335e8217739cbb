// One measured run of the pipeline from the embedded Kinesis to the embedded S3 with checkpoints, in
// a fresh process. Prints one JSON line.
//
// Timed as the loop's run (e2e-loop-run.ts) is: `seconds` from this process's start
// (`performance.now()` counts from `performance.timeOrigin`) to the moment every record is accounted
// for and the pipeline is idle; `cpuSeconds` is `process.cpuUsage()` of the whole process then (every
// thread, from spawn). `startedSeconds`/`startedCpuSeconds` count from `start()` resolving instead.
// `--protocol cbor|json` is passed on as `kinesis.protocol` only when given; `--exactly-once
// true|false` as `emitter.exactlyOnce` (default: the emitter's default) and `--format ndjson|parquet`
// as `emitter.format`; `--key` as `emitter.key`; `--max-bytes-in-flight` as `reader.maxBytesInFlight`;
// `--windows-in-flight` as `transform.windowsInFlight`; `--max-bytes-per-call` as `reader.maxBytesPerCall`; `--window-target-ms` as `transform.windowTargetMs`; `--prefix` names the objects' prefix (default `pipeline/`).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { silentLogger } from '../src/core/logger.js';
import { SAMPLE_TRANSFORM, flags, kinesisOptions, peakRssMB, sampleRss } from './common.js';

const f = flags(process.argv.slice(2));
const records = Number(f.records);
const dir = await mkdtemp(join(tmpdir(), 'kc-bench-e2e-'));
try {
  const pipeline = new Pipeline({
    app: 'bench-e2e', stream: f.stream,
    kinesis: kinesisOptions(f.kinesis, f.protocol),
    checkpoint: { file: join(dir, 'checkpoints.json'), intervalMs: 200 },
    transform: { module: SAMPLE_TRANSFORM, threads: availableParallelism(), ...(f['windows-in-flight'] ? { windowsInFlight: Number(f['windows-in-flight']) } : {}),
      ...(f['window-target-ms'] ? { windowTargetMs: Number(f['window-target-ms']) } : {}) },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: Number(f.maxAgeMs ?? 250) },
    emitter: {
      type: 's3', bucket: f.bucket, prefix: f.prefix ?? 'pipeline/', endpoint: f.s3, forcePathStyle: true,
      ...(f['exactly-once'] ? { exactlyOnce: f['exactly-once'] === 'true' } : {}),
      ...(f.format ? { format: f.format as 'ndjson' | 'parquet' } : {}),
      ...(f.key ? { key: f.key } : {}),
    },
    deadLetter: { dir: join(dir, 'dead-letter') },
    reader: { pollIntervalMs: 200, maxRecordsPerCall: Number(f.limit ?? 10_000), ...(f['max-bytes-in-flight'] ? { maxBytesInFlight: Number(f['max-bytes-in-flight']) } : {}),
      ...(f['max-bytes-per-call'] ? { maxBytesPerCall: Number(f['max-bytes-per-call']) } : {}) },
  }, { logger: silentLogger });
  const peak = sampleRss();
  await pipeline.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (;;) {
    const s = pipeline.stats();
    if (s.recordsEmitted + s.recordsFiltered + s.recordsDeadLettered >= records && pipeline.isIdle(0)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const t1 = performance.now();
  const cpu = process.cpuUsage();
  const fromStart = process.cpuUsage(cpu0);
  const stats = await pipeline.stop();
  const seconds = t1 / 1000;
  process.stdout.write(JSON.stringify({
    records, seconds, rps: records / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startedSeconds: (t1 - t0) / 1000, startedRps: records / ((t1 - t0) / 1000), startedCpuSeconds: (fromStart.user + fromStart.system) / 1e6,
    emitted: stats.recordsEmitted, peakRssMB: Math.max(peak(), peakRssMB()),
  }) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
