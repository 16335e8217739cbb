// `run --idle-exit` as a user runs it (the CLI as a separate process): it exits only once every shard
// is caught up and everything read is stored and checkpointed, however slow GetRecords answers are
// and however many calls reading the backlog takes.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import type { PipelineOptions } from '../src/config/config.js';
import { countIds, ids, produce, readRecords, redisGet, startEnv, uniqueName, type Env, type Produced } from './helpers/components.js';
import { startDelayingProxy } from './helpers/delaying-proxy.js';
import { testOptions } from './helpers/pipeline-options.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** Runs `kinesis-connectors run <config> --idle-exit <ms>` and resolves with its exit code and stderr. */
async function runIdleExit(name: string, options: PipelineOptions, idleMs: number): Promise<{ code: number | null; stderr: string; ms: number }> {
  const dir = join(env.tmp, 'configs', name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(options, null, 2));
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', file, '--idle-exit', String(idleMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

/** Checkpoint of every shard records were produced to, against the last sequence number produced there. */
async function checkpoints(app: string, stream: string, produced: Produced): Promise<Array<[string | null, string]>> {
  return Promise.all([...produced.lastSeq].map(async ([shardId, last]) =>
    [await redisGet(`${app}:checkpoint:${stream}:${shardId}`), last] as [string | null, string]));
}

test.serial('GetRecords answers slower than the idle time: --idle-exit 500 stores every record before exiting 0', async (t) => {
  const stream = uniqueName('idle-slow');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('d', 2000);
  const produced = await produce(env.kinesisClient, stream, all);
  const proxy = await startDelayingProxy(env.kinesis.endpoint, { delayMs: 1500 });
  try {
    const run = await runIdleExit(stream, testOptions(env, app, stream, { kinesis: { endpoint: proxy.endpoint }, logLevel: 'warn' }), 500);
    t.is(run.code, 0, run.stderr);
    const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
    t.is(all.filter((id) => counts.has(id)).length, all.length, `records stored of ${all.length} produced (exit after ${run.ms} ms)`);
    for (const [committed, last] of await checkpoints(app, stream, produced)) t.is(committed, last, 'checkpointed to the last record');
    t.true(proxy.getRecordsCalls >= 2 * 2, 'each shard was read, then polled at the tip');
  } finally {
    await proxy.close();
  }
});

test.serial('a backlog of ~1 KB records read over several GetRecords calls: --idle-exit 200 stores and checkpoints all of it', async (t) => {
  const stream = uniqueName('idle-big');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('b', 16_000);
  const pad = 'x'.repeat(1000);
  const produced = await produce(env.kinesisClient, stream, all, () => ({ pad }));
  const run = await runIdleExit(stream, testOptions(env, app, stream, {
    reader: { pollIntervalMs: 100, maxRecordsPerCall: 2500 },
    buffer: { maxRecords: 1000, maxBytes: 4 << 20, maxAgeMs: 200 },
    logLevel: 'warn',
  }), 200);
  t.is(run.code, 0, run.stderr);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.is(all.filter((id) => counts.has(id)).length, all.length, `records stored of ${all.length} produced (exit after ${run.ms} ms)`);
  for (const [committed, last] of await checkpoints(app, stream, produced)) t.is(committed, last, 'checkpointed to the last record');
});
