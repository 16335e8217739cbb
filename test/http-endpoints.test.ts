// The health, readiness and status endpoints: their status codes before the start, while running,
// with the checkpoint store unreachable, with a shard failing for too long, and after stop.
import test from 'ava';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { createStream } from '../src/aws/create-stream.js';
import type { CheckpointStore } from '../src/checkpoint/checkpoint-store.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import { writeCheckKey } from '../src/emitters/emitter.js';
import type { S3EmitterConfig } from '../src/emitters/s3/s3-options.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { REDIS_URL, ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

/** The reasons of a `/readyz` answer, joined. */
function reasons(body: string): string {
  return (JSON.parse(body) as { reasons: string[] }).reasons.join('; ');
}

async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  await waitFor(async () => (last = await get(url)).status === status, timeoutMs, `${url} answering ${status} (last: ${last.status} ${last.body})`);
  return last;
}

/** A checkpoint store that can be switched to a Redis nobody listens on. */
function switchableStore(app: string, stream: string): CheckpointStore & { unreachable: boolean } {
  const healthy = new RedisCheckpointStore({ app, stream, url: REDIS_URL });
  const dead = new RedisCheckpointStore({ app, stream, url: 'redis://127.0.0.1:1' });
  const store = {
    unreachable: false,
    get: (id: string) => (store.unreachable ? dead : healthy).get(id),
    set: (id: string, seq: string) => (store.unreachable ? dead : healthy).set(id, seq),
    cuts: {
      read: (id: string) => (store.unreachable ? dead : healthy).cuts.read(id),
      add: (id: string, seq: string) => (store.unreachable ? dead : healthy).cuts.add(id, seq),
    },
    close: async () => { await Promise.all([healthy.close(), dead.close()]); },
  };
  return store;
}

test.serial('healthz and readyz: 503 before the start, 200 running, 503 with the store unreachable, 200 again; healthz 503 once stopping', async (t) => {
  const stream = uniqueName('http-ready');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const store = switchableStore(app, stream);
  const pipeline = new Pipeline(testOptions(env, app, stream, { http: { port: 0, checkpointStaleMs: 400 } }),
    { logger: captureLogger(), checkpointStore: store });
  const url = (await pipeline.serveHttp())!;
  t.is(pipeline.httpUrl, url);
  const before = await get(`${url}/readyz`);
  t.is(before.status, 503);
  t.regex(reasons(before.body), /has not finished starting/);
  t.is((await get(`${url}/healthz`)).status, 200);
  t.is((await get(`${url}/nowhere`)).status, 404);

  await pipeline.start();
  t.teardown(() => pipeline.stop());
  t.deepEqual(JSON.parse((await waitForStatus(`${url}/readyz`, 200, 2000)).body), { ready: true, reasons: [] });
  await produce(env.kinesisClient, stream, ids('r', 100));
  await waitFor(() => pipeline.stats().recordsEmitted === 100, 20_000, 'records emitted');

  store.unreachable = true;
  const down = await waitForStatus(`${url}/readyz`, 503, 5000);
  t.regex(reasons(down.body), /checkpoint store has not answered for \d+ ms \(http.checkpointStaleMs 400\)/);
  t.is((await get(`${url}/healthz`)).status, 200, 'alive all the same');
  store.unreachable = false;
  await waitForStatus(`${url}/readyz`, 200, 5000);

  const status = JSON.parse((await get(`${url}/status.json`)).body);
  t.is(status.shards.length, 1);
  t.like(status.shards[0], { state: 'running', read: 100, emitted: 100, lastError: null });
  t.is(status.totals.read, 100);
  t.true(Array.isArray(status.history));

  // From stop() on: 503 while it drains, then the server closes with the pipeline.
  const stopping = pipeline.stop();
  const [health, ready] = await Promise.all([get(`${url}/healthz`), get(`${url}/readyz`)]);
  t.is(health.status, 503);
  t.is(ready.status, 503);
  t.regex(reasons(ready.body), /stopped/);
  await stopping;
  await t.throwsAsync(fetch(`${url}/healthz`), undefined, 'the server is closed after stop');
});

test.serial('readyz: 503 naming the shard when one keeps failing for longer than http.unreadyAfterMs', async (t) => {
  const stream = uniqueName('http-failing');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('r', 10));
  const options = testOptions(env, app, stream, { http: { port: 0, unreadyAfterMs: 300 } });
  // A bucket deleted once the start-up check passed: every emit fails for good, the actor restarts
  // again and again.
  const bucket = uniqueName('gone');
  await env.s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
  const pipeline = new Pipeline({ ...options, emitter: { ...(options.emitter as S3EmitterConfig), bucket } }, { logger: captureLogger() });
  await pipeline.start();
  await env.s3Client.send(new DeleteObjectCommand({ Bucket: bucket, Key: writeCheckKey(`${stream}/`) }));
  await env.s3Client.send(new DeleteBucketCommand({ Bucket: bucket }));
  try {
    const res = await waitForStatus(`${pipeline.httpUrl!}/readyz`, 503, 15_000);
    t.regex(reasons(res.body), /shard shardId-000000000000 has been failing for \d+ ms \(http.unreadyAfterMs 300\)/);
    t.regex(reasons(res.body), /NoSuchBucket.*\(a permanent error: fix the sink or its settings\)/);
    const metrics = await get(`${pipeline.httpUrl!}/metrics`);
    t.regex(metrics.body, /kinesis_connectors_actor_restarts_total\{[^}]*permanent="true"[^}]*\} [1-9]/, 'restarts counted as permanent');
    const status = JSON.parse((await get(`${pipeline.httpUrl!}/status.json`)).body);
    t.truthy(status.shards[0].lastError);
  } finally {
    await pipeline.stop();
  }
});

test.serial('readyz: 503 while a pipeline on an unreachable Redis (127.0.0.1:1) starts; its start fails and closes the endpoints', async (t) => {
  const stream = uniqueName('http-noredis');
  await createStream(env.kinesisClient, stream, 1);
  const options = testOptions(env, uniqueName('app'), stream, { http: { port: 0 } });
  const pipeline = new Pipeline({ ...options, checkpoint: { redis: 'redis://127.0.0.1:1' } }, { logger: captureLogger() });
  const url = (await pipeline.serveHttp())!;
  const res = await get(`${url}/readyz`);
  t.is(res.status, 503);
  t.regex(reasons(res.body), /checkpoint store has not answered yet/);
  await t.throwsAsync(pipeline.start());
  await t.throwsAsync(fetch(`${url}/readyz`));
});
