import test from 'ava';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import type { PipelineOptions } from '../src/config/config.js';
import { countIds, ids, produce, readObjects, readRecords, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { fixture, testOptions } from './helpers/pipeline-options.js';
import { cli } from './helpers/run-cli.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

async function writeConfig(name: string, config: unknown): Promise<string> {
  const dir = join(env.tmp, 'configs', name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

test('bad config: exit code 1 and a message naming the key and the value', async (t) => {
  const file = await writeConfig(uniqueName('bad'), { app: 'a', stream: 's', buffer: { maxBytes: 'abc' } });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /buffer\.maxBytes must be a positive integer, got "abc"/);
});

test('unreadable config and usage errors exit non-zero', async (t) => {
  const missing = await cli(['run', join(env.tmp, 'nope.json')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.json could not be read/);
  const usage = await cli(['frobnicate']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /unknown command "frobnicate"/);
  const level = await cli(['run', join(env.tmp, 'nope.json'), '--log-level', 'loud']);
  t.is(level.code, 2);
  t.regex(level.stderr, /--log-level must be one of debug, info, warn, error, silent, got "loud"/);
  const shards = await cli(['create-stream', 'x', '--shards', 'many']);
  t.is(shards.code, 2);
  t.regex(shards.stderr, /--shards must be a positive integer, got "many"/);
});

test('create-stream creates a stream, waits until ACTIVE, and is idempotent', async (t) => {
  const name = uniqueName('created');
  for (let i = 0; i < 2; i++) {
    const run = await cli(['create-stream', name, '--shards', '3', '--endpoint', env.kinesis.endpoint]);
    t.is(run.code, 0, run.stderr);
    t.is(run.stdout.trim(), `stream ${name} is ACTIVE`);
  }
  const { ListShardsCommand } = await import('@aws-sdk/client-kinesis');
  t.is((await env.kinesisClient.send(new ListShardsCommand({ StreamName: name }))).Shards?.length, 3);
});

test('a missing transform module is a startup error naming the file', async (t) => {
  const stream = uniqueName('nomod');
  await createStream(env.kinesisClient, stream, 1);
  const file = await writeConfig(stream, { ...testOptions(env, uniqueName('app'), stream), transform: { module: './no-such-transform.js', threads: 1 } });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /transform module .*no-such-transform\.js failed to load: the file does not exist/);
});

test('a transform module with a wrong export names the export', async (t) => {
  const stream = uniqueName('badexport');
  await createStream(env.kinesisClient, stream, 1);
  const file = await writeConfig(stream, { ...testOptions(env, uniqueName('app'), stream), transform: { module: fixture('transform-bad-export.js'), threads: 1 } });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /transform-bad-export\.js: export toRecord must be a function, got number/);
});

test('a stream that does not exist is a clear startup error', async (t) => {
  const file = await writeConfig(uniqueName('nostream'), testOptions(env, uniqueName('app'), uniqueName('missing-stream')));
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /listing shards of stream missing-stream-\S+ failed: ResourceNotFoundException/);
});

test.serial('killed with SIGKILL mid-run, then rerun: every record present at least once', async (t) => {
  const stream = uniqueName('sigkill');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('s', 4000);
  await produce(env.kinesisClient, stream, all);
  const options: PipelineOptions = testOptions(env, app, stream, {
    transform: { module: fixture('transform-slow.js'), threads: 2, windowRecords: 100 },
    buffer: { maxRecords: 200, maxBytes: 1 << 20, maxAgeMs: 200 },
    // The killed process's leases hold its shards until they expire; the rerun takes them then.
    lease: { durationMs: 2000 },
    logLevel: 'warn',
  });
  const file = await writeConfig(stream, options);
  const killed = await cli(['run', file], {
    onStart: (child) => {
      void waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 3, 60_000, 'some objects written')
        .finally(() => child.kill('SIGKILL'));
    },
  });
  t.is(killed.signal, 'SIGKILL');
  const partial = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.true(partial.size < all.length, `killed mid-run (${partial.size} stored)`);

  const rerun = await cli(['run', file, '--idle-exit', '1000']);
  t.is(rerun.code, 0, rerun.stderr);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.true(all.every((id) => (counts.get(id) ?? 0) >= 1), 'every record present at least once');
  t.not(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), null);
});

test.serial('SIGTERM mid-run drains the buffers, checkpoints exactly what was stored and exits 0', async (t) => {
  const stream = uniqueName('sigterm');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('g', 3500));
  // A long maxAgeMs and a slow transform: at SIGTERM, records sit in the pool and in the buffer.
  const file = await writeConfig(stream, testOptions(env, app, stream, {
    logLevel: 'info',
    transform: { module: fixture('transform-slow.js'), threads: 1, windowRecords: 100 },
    buffer: { maxRecords: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000 },
  }));
  const run = await cli(['run', file], {
    onStart: (child) => {
      void waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 1, 60_000, 'a first batch stored')
        .finally(() => child.kill('SIGTERM'));
    },
  });
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /SIGTERM received; draining/);
  t.regex(run.stderr, /pipeline stopped/);
  const stored = await readRecords<{ id: string; seq: string }>(env.s3Client, env.bucket, `${stream}/`);
  t.true(stored.length > 1000 && stored.length < 3500, `stopped mid-run with the drained buffer stored (${stored.length})`);
  t.true(stored.length % 1000 !== 0, 'the partial buffer was flushed on shutdown, not only full batches');
  const last = stored.map((r) => BigInt(r.seq)).reduce((a, b) => (a > b ? a : b));
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), String(last), 'checkpoint = the last stored record');
});
