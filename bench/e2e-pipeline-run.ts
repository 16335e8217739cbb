// One measured run of the pipeline from the embedded Kinesis to the embedded S3 with checkpoints.
// Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { silentLogger } from '../src/core/logger.js';
import { SAMPLE_TRANSFORM, flags, sampleRss } from './common.js';

const f = flags(process.argv.slice(2));
const records = Number(f.records);
const dir = await mkdtemp(join(tmpdir(), 'kc-bench-e2e-'));
try {
  const pipeline = new Pipeline({
    app: 'bench-e2e', stream: f.stream,
    kinesis: { endpoint: f.kinesis },
    checkpoint: { file: join(dir, 'checkpoints.json'), intervalMs: 200 },
    transform: { module: SAMPLE_TRANSFORM, threads: availableParallelism() },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: Number(f.maxAgeMs ?? 250) },
    emitter: { type: 's3', bucket: f.bucket, prefix: 'pipeline/', endpoint: f.s3, forcePathStyle: true },
    deadLetter: { dir: join(dir, 'dead-letter') },
    reader: { pollIntervalMs: 200, maxRecordsPerCall: Number(f.limit ?? 10_000) },
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
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = await pipeline.stop();
  process.stdout.write(JSON.stringify({ records, seconds, rps: records / seconds, emitted: stats.recordsEmitted, peakRssMB: peak(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6 }) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
