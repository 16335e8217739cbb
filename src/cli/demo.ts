/**
 * `kinesis-connectors demo`: an embedded Kinesis and S3, a stream of synthetic click events, and a
 * pipeline with the CPU-heavy sample transform on every core writing into the embedded S3. Needs no
 * AWS account, no Redis and no network.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStream } from '../aws/create-stream.js';
import { ConnectorError } from '../core/errors.js';
import { WRITE_CHECK_NAME } from '../emitters/emitter.js';
import { startLocalStack } from '../local/local-stack.js';
import { putClicks } from '../local/put-clicks.js';
import { createConsoleLogger, type Logger } from '../core/logger.js';
import { Pipeline, type PipelineStats } from '../supervisor/pipeline.js';
import { s3Sdk } from '../aws/sdk-modules.js';

const { ListObjectsV2Command } = s3Sdk();

export interface DemoOptions {
  records: number;
  shards: number;
  /** Folder for the embedded S3's objects, checkpoints and dead letters (wiped first). */
  outDir: string;
  /** Where the pipeline logs (warnings and errors); by default plain lines on stderr. */
  logger?: Logger;
}

const BUCKET = 'demo-clicks';
const STREAM = 'clicks';

export async function runDemo(options: DemoOptions): Promise<void> {
  const out = resolve(options.outDir);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const stack = await startLocalStack({ s3Directory: resolve(out, 's3'), buckets: [BUCKET], redshift: false });
  const { kinesis, s3, kinesisClient: client, s3Client: s3client } = stack;
  let pipeline: Pipeline | undefined;
  try {
    say(`embedded Kinesis at ${kinesis.endpoint}, embedded S3 at ${s3.endpoint}`);
    await createStream(client, STREAM, options.shards);
    say(`stream "${STREAM}" with ${options.shards} shards is ACTIVE; producing ${options.records} click events`);
    pipeline = demoPipeline(out, kinesis.endpoint, s3.endpoint, options.logger ?? createConsoleLogger('warn'));
    const producedAt = Date.now();
    await putClicks(client, STREAM, options.records, { partitionKey: (i) => `user-${i % (options.shards * 64)}` });
    say(`produced ${options.records} events in ${((Date.now() - producedAt) / 1000).toFixed(1)} s; starting the pipeline`);
    const started = Date.now();
    say(`status page at ${await pipeline.serveHttp()}/ (metrics at /metrics) while the demo runs`);
    await pipeline.start();
    say(`pipeline started: ${availableParallelism()} transform threads, sample transform = parse + enrich + SHA-256 fingerprint`);
    const progress = showProgress(pipeline, started, options.records);
    // Every record produced is accounted for: emitted, filtered out (bots) or dead-lettered.
    for (;;) {
      const s = pipeline.stats();
      if (s.recordsEmitted + s.recordsFiltered + s.recordsDeadLettered >= options.records && pipeline.isIdle(0)) break;
      if (s.shards.restarting > 0 && Date.now() - started > 120_000) throw new ConnectorError('the demo pipeline keeps failing', { code: 'DEMO_FAILED' });
      await new Promise((r) => setTimeout(r, 100));
    }
    const elapsed = (Date.now() - started) / 1000;
    clearInterval(progress);
    const stats = await pipeline.stop();
    if (process.stderr.isTTY) process.stderr.write('\n');
    printSummary(say, options.records, stats, elapsed, await countObjects(s3client), { s3Dir: s3.directory, out });
  } finally {
    await pipeline?.stop();
    await stack.close();
  }
}

function demoPipeline(out: string, kinesisEndpoint: string, s3Endpoint: string, logger: Logger): Pipeline {
  return new Pipeline({
    app: 'demo',
    stream: STREAM,
    kinesis: { endpoint: kinesisEndpoint },
    checkpoint: { file: resolve(out, 'checkpoints.json'), intervalMs: 500 },
    transform: { module: fileURLToPath(new URL('../local/sample-transform.js', import.meta.url)), threads: availableParallelism() },
    buffer: { maxRecords: 1000, maxBytes: 1024 * 1024, maxAgeMs: 1000 },
    emitter: { type: 's3', bucket: BUCKET, prefix: 'clicks/', endpoint: s3Endpoint, forcePathStyle: true },
    deadLetter: { dir: resolve(out, 'dead-letter') },
    reader: { pollIntervalMs: 250, maxRecordsPerCall: 2000 },
    http: { port: 0 },
    shutdownTimeoutMs: 15_000,
  }, { logger });
}

function printSummary(say: (line: string) => void, produced: number, stats: PipelineStats, elapsed: number, objects: number,
  where: { s3Dir: string; out: string }): void {
  say('');
  say('demo summary');
  say(`  records produced         ${produced}`);
  say(`  records read             ${stats.recordsRead}`);
  say(`  records written to S3    ${stats.recordsEmitted}`);
  say(`  filtered out (bots)      ${stats.recordsFiltered}`);
  say(`  dead-lettered            ${stats.recordsDeadLettered}`);
  say(`  S3 objects written       ${objects} (s3://${BUCKET}/clicks/...)`);
  say(`  throughput               ${Math.round(stats.recordsRead / elapsed)} records/s (${elapsed.toFixed(1)} s from pipeline start to the last checkpoint)`);
  say(`  restarts                 ${stats.restarts}`);
  say(`  checkpoints              ${Object.entries(stats.checkpoints).map(([k, v]) => `${k}=${v ? `…${v.slice(-8)}` : 'none'}`).join(', ')}`);
  say(`  output                   ${where.s3Dir}/${BUCKET}/clicks/ (the embedded S3's files), checkpoints in ${resolve(where.out, 'checkpoints.json')}`);
}

function showProgress(pipeline: Pipeline, started: number, total: number): NodeJS.Timeout {
  const tty = process.stderr.isTTY;
  return setInterval(() => {
    const s = pipeline.stats();
    const secs = (Date.now() - started) / 1000;
    const line = `read ${s.recordsRead}/${total}  written ${s.recordsEmitted}  ${Math.round(s.recordsRead / secs)} rec/s  lag ${s.maxMillisBehindLatest} ms  checkpoints ${s.checkpointsWritten}`;
    process.stderr.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
  }, 1000);
}

async function countObjects(s3: S3Client): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
    // The start-up check's probe object is not a batch.
    count += (page.Contents ?? []).filter((o) => !o.Key?.endsWith(WRITE_CHECK_NAME)).length;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}
