/**
 * `bench --e2e`: the whole Pipeline with the user's config, but reading the sample from replay files
 * (one per shard, in a temporary folder), emitting into the discarding emitter and checkpointing
 * into a temporary file: records/s, CPU time per record and peak RSS of this process (all threads),
 * and how many shards at their write limit that rate could carry.
 */
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PipelineOptions, ResolvedConfig } from '../../config/config.js';
import { ConnectorError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { SourceRecord } from '../../core/records.js';
import { Pipeline } from '../../supervisor/pipeline.js';
import { meanBytes, recordsWithNewlines } from './sample.js';

/** What one shard takes in: 1,000 records/s or 1 MiB/s, whichever comes first. */
export const SHARD_WRITE_LIMIT = { recordsPerSecond: 1000, bytesPerSecond: 1024 * 1024 } as const;

export interface PipelineFigures {
  records: number;
  shards: number;
  seconds: number;
  rps: number;
  /** CPU time of the whole process (every thread) per record, while the records went through. */
  cpuMicrosPerRecord: number;
  peakRssMB: number;
  emitted: number;
  filtered: number;
  deadLettered: number;
  /** Records/s one shard can take with the sample's mean record size, and which limit sets it. */
  shardLimit: { rps: number; limitedBy: 'records' | 'bytes'; meanRecordBytes: number };
  /** rps / shardLimit.rps: an upper bound on this machine. */
  shardsPerProcess: number;
}

/** Records/s a shard takes for records of `mean` bytes. */
export function shardLimit(mean: number): PipelineFigures['shardLimit'] {
  const byBytes = mean > 0 ? SHARD_WRITE_LIMIT.bytesPerSecond / mean : Infinity;
  return byBytes < SHARD_WRITE_LIMIT.recordsPerSecond
    ? { rps: byBytes, limitedBy: 'bytes', meanRecordBytes: mean }
    : { rps: SHARD_WRITE_LIMIT.recordsPerSecond, limitedBy: 'records', meanRecordBytes: mean };
}

/** Writes the records round-robin to `shards` replay files `shard-<k>.ndjson` in `dir`. */
async function writeReplayFiles(dir: string, records: readonly SourceRecord[], shards: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const newline = Buffer.from('\n');
  for (let k = 0; k < shards; k++) {
    const parts: Uint8Array[] = [];
    for (let i = k; i < records.length; i += shards) parts.push(records[i].data, newline);
    const file = await open(join(dir, `shard-${k}.ndjson`), 'w');
    try {
      await file.write(Buffer.concat(parts));
    } finally {
      await file.close();
    }
  }
}

/** The user's options with the source, sink, checkpoints and dead letters of the benchmark; no http. */
function benchOptions(options: PipelineOptions, config: ResolvedConfig, dir: string): PipelineOptions {
  const { http: _http, ...rest } = options;
  return {
    ...rest,
    source: { type: 'files', dir: join(dir, 'shards') },
    // From the first line of each file, whatever the config says.
    startPosition: 'TRIM_HORIZON',
    emitter: { type: 'discard' },
    checkpoint: { file: join(dir, 'checkpoints.json'), intervalMs: config.checkpoint.intervalMs },
    deadLetter: { dir: join(dir, 'dead-letter') },
  };
}

/** Samples this process's RSS every 20 ms until stopped; the peak in MB. */
function peakRss(): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024);
  };
}

/** Runs `pipeline` until every shard is finished (or it stops on its own); its records/s, CPU µs/record, peak RSS. */
async function runToEnd(pipeline: Pipeline, shards: number, records: number) {
  const peak = peakRss();
  await pipeline.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let stopped = false;
  void pipeline.done().then(() => { stopped = true; });
  while (!stopped && pipeline.stats().shards.finished < shards) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = await pipeline.stop();
  return { seconds, cpuMicrosPerRecord: (cpu.user + cpu.system) / records, peakRssMB: peak(), stats };
}

export async function measurePipeline(options: PipelineOptions, config: ResolvedConfig, baseDir: string, records: readonly SourceRecord[],
  shards: number, logger: Logger): Promise<PipelineFigures> {
  const multiline = recordsWithNewlines(records);
  if (multiline > 0) {
    throw new ConnectorError(`--e2e replays the sample from files, one record a line, but ${multiline} of its records hold a newline byte; `
      + 'give a sample file with --from <sample.ndjson> to run it', { code: 'SAMPLE_NOT_REPLAYABLE' });
  }
  const dir = await mkdtemp(join(tmpdir(), 'kinesis-connectors-bench-'));
  try {
    await writeReplayFiles(join(dir, 'shards'), records, shards);
    const pipeline = new Pipeline(benchOptions(options, config, dir), { baseDir, logger });
    let run: Awaited<ReturnType<typeof runToEnd>>;
    try {
      run = await runToEnd(pipeline, shards, records.length);
    } finally {
      // Idempotent: after a failed start-up too, every thread is gone before the folder is removed.
      await pipeline.stop();
    }
    const { recordsEmitted: emitted, recordsFiltered: filtered, recordsDeadLettered: deadLettered } = run.stats;
    if (emitted + filtered + deadLettered !== records.length) {
      throw new ConnectorError(`the pipeline accounted for ${emitted + filtered + deadLettered} of the ${records.length} records `
        + `(emitted ${emitted}, filtered ${filtered}, dead-lettered ${deadLettered}); see the log lines above`, { code: 'BENCH_RECORDS_MISSING' });
    }
    const limit = shardLimit(meanBytes(records));
    const rps = records.length / run.seconds;
    return { records: records.length, shards, seconds: run.seconds, rps, cpuMicrosPerRecord: run.cpuMicrosPerRecord, peakRssMB: run.peakRssMB,
      emitted, filtered, deadLettered, shardLimit: limit, shardsPerProcess: rps / limit.rps };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
