// One measured run of the full actor pipeline (supervisor, shard actors, pool, buffer, emitter
// threads, checkpoint commits) over replay files (written beforehand by the parent, `--input`) into a
// discarding emitter. Runs in its own process so its peak RSS is its own. Prints one JSON line.
// `--http true` serves the endpoints and scrapes /metrics and /status.json every second, as a
// Prometheus scraper plus an open status page would. `--emitter file` writes the batches as files
// (fsynced, under the run's temporary folder) instead, with `--exactly-once true|false`. `--window N` and
// `--window-target-ms M` set `transform.windowRecords` and `transform.windowTargetMs` (0: fixed windows).
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { silentLogger } from '../src/core/logger.js';
import { SAMPLE_TRANSFORM, flags, sampleRss } from './common.js';

const f = flags(process.argv.slice(2));
const records = Number(f.records);
const shards = Number(f.shards ?? 4);
const transform = f.transform === 'identity' ? undefined : SAMPLE_TRANSFORM;

const dir = await mkdtemp(join(tmpdir(), 'kc-bench-'));
try {
  const pipeline = new Pipeline({
    app: 'bench', stream: 'bench',
    source: { type: 'files', dir: f.input },
    checkpoint: { file: join(dir, 'checkpoints.json'), intervalMs: 200 },
    transform: { module: transform, threads: availableParallelism(), ...(f.window ? { windowRecords: Number(f.window) } : {}), ...(f['window-target-ms'] ? { windowTargetMs: Number(f['window-target-ms']) } : {}) },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 1000 },
    emitter: f.emitter === 'file' ? { type: 'file', dir: join(dir, 'out'), exactlyOnce: f['exactly-once'] !== 'false' } : { type: 'discard' },
    deadLetter: { dir: join(dir, 'dead-letter') },
    ...(f.http === 'true' ? { http: { port: 0 } } : {}),
  }, { logger: silentLogger });
  const peak = sampleRss();
  await pipeline.start();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let scrapes = 0;
  const scraper = pipeline.httpUrl === undefined ? undefined : setInterval(() => {
    void Promise.all(['/metrics', '/status.json'].map(async (path) => (await fetch(`${pipeline.httpUrl!}${path}`)).text())).then(() => { scrapes++; });
  }, 1000);
  while (pipeline.stats().shards.finished < shards) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  // CPU of every thread from start() resolving to the last shard's end: less disturbed than wall
  // time by whatever else the machine runs, so the steadier figure of the framework's cost per record.
  const cpu = process.cpuUsage(cpu0);
  clearInterval(scraper);
  const stats = await pipeline.stop();
  const peakRssMB = peak();
  const accounted = stats.recordsEmitted + stats.recordsFiltered + stats.recordsDeadLettered;
  if (accounted !== records) throw new Error(`pipeline accounted for ${accounted} of ${records} records`);
  process.stdout.write(JSON.stringify({ records, seconds, rps: records / seconds, bytes: stats.bytesEmitted, peakRssMB, scrapes,
    cpuUsPerRecord: (cpu.user + cpu.system) / records }) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
