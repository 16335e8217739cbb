// One run of the pipeline over a many-shard stream in the embedded Kinesis, in a fresh process, with
// the pipeline's default settings apart from what the bench needs (identity transform: no module;
// `emitter: { type: 'discard' }`; a file checkpoint store in a temp dir). Prints JSON lines.
//
// `--source files --dir D` reads replay files instead (one shard a file; an empty file is a shard
// that ends at once, not an idle one).
//
// `--idle-seconds S` (the stream is empty): once `start()` has resolved and every shard has been read
// once (`isIdle(0)`: every actor has had an empty answer at the tip), prints {"event":"window-start"},
// measures this process's CPU (every thread) and RSS over S seconds, prints {"event":"window-end"},
// then its result. `--records N` (the records are already in the stream): times from `start()`
// resolving until N records are emitted, giving up after `--timeout-seconds` (then it reports how far
// it got, with `completed: false`, and exits without waiting for a graceful stop). Peak RSS is the
// kernel's (`resourceUsage().maxRSS`), so no sampling timer adds to the idle CPU.
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { silentLogger } from '../src/core/logger.js';
import { flags, idleWindow, kinesisOptions, peakRssMB } from './common.js';

const f = flags(process.argv.slice(2));
const records = Number(f.records ?? 0);
const idleSeconds = Number(f['idle-seconds'] ?? 0);
// `--max-idle-poll <ms>`: reader.maxIdlePollIntervalMs; `--settle-seconds`: wait that long after
// every shard was read once before the idle window opens (the idle polls' backoff ramping up).
const maxIdlePoll = f['max-idle-poll'] === undefined ? undefined : Number(f['max-idle-poll']);
const settleSeconds = Number(f['settle-seconds'] ?? 0);
const shards = Number(f.shards);
const timeoutMs = Number(f['timeout-seconds'] ?? 600) * 1000;
const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

const dir = await mkdtemp(join(tmpdir(), 'kc-bench-many-'));
try {
  const pipeline = new Pipeline({
    app: 'bench-many', stream: f.stream,
    ...(f.source === 'files' ? { source: { type: 'files' as const, dir: f.dir } } : { kinesis: kinesisOptions(f.kinesis, f.protocol) }),
    checkpoint: { file: join(dir, 'checkpoints.json') },
    emitter: { type: 'discard' },
    ...(maxIdlePoll === undefined ? {} : { reader: { maxIdlePollIntervalMs: maxIdlePoll } }),
    deadLetter: { dir: join(dir, 'dead-letter') },
    ...(process.env.KC_BENCH_PROGRESS ? { http: { port: 0 } } : {}),
  }, { logger: silentLogger });
  await pipeline.start();
  // KC_BENCH_PROGRESS=<file>: the pipeline's totals and the shards with records or errors (from
  // /status.json) appended to that file every second, for watching a long run. It serves the HTTP
  // endpoints and costs CPU: leave it unset for the figures.
  const progressFile = process.env.KC_BENCH_PROGRESS;
  const progress = progressFile ? setInterval(() => {
    const s = pipeline.stats();
    void fetch(`${pipeline.httpUrl!}/status.json`).then(async (res) => {
      const rows = ((await res.json()) as { shards: Array<{ shardId: string; read: number; lastError: string | null }> }).shards;
      const notable = rows.filter((r) => r.read > 0 || r.lastError !== null).slice(0, 6);
      appendFileSync(progressFile, `${JSON.stringify({ t: Math.round(performance.now()), read: s.recordsRead, emitted: s.recordsEmitted, behind: s.maxMillisBehindLatest,
        shards: s.shards, notable })}\n`);
    });
  }, 1000) : undefined;
  const started = performance.now();
  const result: Record<string, unknown> = { shards, startResolvedSeconds: started / 1000 };
  if (pipeline.stats().shards.total !== shards) throw new Error(`the pipeline found ${pipeline.stats().shards.total} shards, not ${shards}`);
  if (records > 0) {
    let firstRead = 0;
    for (;;) {
      const s = pipeline.stats();
      if (!firstRead && s.recordsRead > 0) firstRead = performance.now();
      if (s.recordsEmitted >= records) break;
      if (performance.now() - started > timeoutMs) {
        const seconds = (performance.now() - started) / 1000;
        print({ ...result, completed: false, records, seconds, recordsRead: s.recordsRead, recordsEmitted: s.recordsEmitted, rps: s.recordsEmitted / seconds,
          peakRssMB: peakRssMB(), cpuSeconds: cpuSeconds(process.cpuUsage()) });
        // No graceful stop (its reads may never answer): the temp dir goes, then the process.
        await rm(dir, { recursive: true, force: true });
        process.exit(0);
      }
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    Object.assign(result, { completed: true, records, seconds, rps: records / seconds, rpsFromFirstRead: records / ((performance.now() - firstRead) / 1000) });
  }
  if (idleSeconds > 0) {
    await pipeline.waitUntilIdle(0);
    result.caughtUpSeconds = performance.now() / 1000;
    await sleep(settleSeconds * 1000);
    Object.assign(result, await idleWindow(idleSeconds, print));
  }
  clearInterval(progress);
  const stats = await pipeline.stop();
  if (stats.recordsEmitted !== records) throw new Error(`the pipeline emitted ${stats.recordsEmitted} of ${records} records`);
  // Replay files end (SHARD_END) even when empty; Kinesis shards without records have no checkpoint.
  const withRecords = Object.values(stats.checkpoints).filter((c) => c !== null && c !== 'SHARD_END').length;
  print({ ...result, shardsWithRecords: withRecords, peakRssMB: peakRssMB(), cpuSeconds: cpuSeconds(process.cpuUsage()) });
} finally {
  await rm(dir, { recursive: true, force: true });
}
