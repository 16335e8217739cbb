import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { createStream } from '../src/aws/create-stream.js';
import { countIds, ids, produce, readRecords, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, fixture, testOptions } from './helpers/pipeline-options.js';
import { startThrottlingProxy } from './helpers/throttling-proxy.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test.serial('a shard actor killed mid-run is restarted from its checkpoint and nothing is lost', async (t) => {
  const stream = uniqueName('kill-actor');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('k', 4000);
  await produce(env.kinesisClient, stream, all);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    transform: { module: fixture('transform-slow.js'), threads: 2, windowRecords: 100 },
    buffer: { maxRecords: 200, maxBytes: 1 << 20, maxAgeMs: 200 },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 400, 60_000, 'some records emitted');
  const before = pipeline.stats().recordsEmitted;
  t.true(before < all.length, 'killed mid-run');
  await pipeline.killShardActor('shardId-000000000000');
  await waitFor(() => pipeline.stats().restarts >= 1, 10_000, 'a restart');
  await waitFor(async () => countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`)).size >= all.length && pipeline.isIdle(300), 90_000, 'every record stored');
  const stats = await pipeline.stop();
  t.is(stats.restarts, 1);
  t.is(stats.shards.running, 2);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.true(all.every((id) => (counts.get(id) ?? 0) >= 1), 'every record present at least once');
  const failure = logger.lines.find((l) => l.msg.includes('shard actor failed'));
  t.is(failure?.fields.shardId, 'shardId-000000000000');
  t.regex(String(failure?.fields.error), /killed by killShardActor/);
});

test.serial('a host thread that dies is replaced and its actors resume', async (t) => {
  const stream = uniqueName('kill-host');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('h', 3000);
  await produce(env.kinesisClient, stream, all);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    transform: { module: fixture('transform-slow.js'), threads: 2, windowRecords: 100 },
    buffer: { maxRecords: 200, maxBytes: 1 << 20, maxAgeMs: 200 },
    shards: { hostThreads: 2, discoveryIntervalMs: 300 },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 300, 60_000, 'some records emitted');
  await pipeline.killHostThread(0);
  await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 90_000, 'every record emitted');
  const stats = await pipeline.stop();
  t.true(stats.restarts >= 1);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.true(all.every((id) => (counts.get(id) ?? 0) >= 1));
  t.truthy(logger.lines.find((l) => l.msg.includes('shard host thread exited')));
});

test.serial('a throttling Kinesis is ridden out by backoff', async (t) => {
  const stream = uniqueName('throttle');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('t', 2000);
  const produced = await produce(env.kinesisClient, stream, all);
  const proxy = await startThrottlingProxy(env.kinesis.endpoint, {
    GetRecords: { every: 2, error: 'ProvisionedThroughputExceededException' },
    GetShardIterator: { every: 2, error: 'LimitExceededException' },
    ListShards: { every: 2, error: 'LimitExceededException' },
  });
  const logger = captureLogger();
  try {
    const pipeline = new Pipeline(testOptions(env, app, stream, {
      kinesis: { endpoint: proxy.endpoint, maxAttempts: 1 },
      reader: { pollIntervalMs: 100, maxRecordsPerCall: 200 },
    }), { logger });
    await pipeline.start();
    await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 90_000, 'every record emitted');
    const stats = await pipeline.stop();
    t.is(stats.restarts, 0, 'throttling is handled by backoff, not by crashing');
    t.true((proxy.throttled.get('GetRecords') ?? 0) >= 5, `throttled GetRecords ${proxy.throttled.get('GetRecords')}`);
    t.true(logger.lines.some((l) => l.level === 'warn' && l.msg === 'GetRecords failed; backing off' &&
      String(l.fields.error).startsWith('ProvisionedThroughputExceededException')));
    const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
    t.is(counts.size, all.length);
    for (const [shardId, lastSeq] of produced.lastSeq) t.is(await redisGet(`${app}:checkpoint:${stream}:${shardId}`), lastSeq);
  } finally {
    await proxy.close();
  }
});

test.serial('an expired shard iterator is replaced after the last record read: nothing lost, nothing repeated', async (t) => {
  const stream = uniqueName('expired');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const all = ids('e', 1500);
  await produce(env.kinesisClient, stream, all);
  const proxy = await startThrottlingProxy(env.kinesis.endpoint, { GetRecords: { every: 3, error: 'ExpiredIteratorException' } });
  const logger = captureLogger();
  try {
    const pipeline = new Pipeline(testOptions(env, app, stream, {
      kinesis: { endpoint: proxy.endpoint, maxAttempts: 1 },
      reader: { pollIntervalMs: 100, maxRecordsPerCall: 100 },
    }), { logger });
    await pipeline.start();
    await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 60_000, 'every record emitted');
    const stats = await pipeline.stop();
    t.is(stats.restarts, 0);
    t.true((proxy.throttled.get('GetRecords') ?? 0) >= 3);
    t.true(logger.lines.some((l) => l.msg.startsWith('shard iterator expired')));
    const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
    t.is(counts.size, all.length);
    t.true([...counts.values()].every((c) => c === 1), 'no record read twice');
  } finally {
    await proxy.close();
  }
});

test.serial('a transform that never returns fails its actor after transform.timeoutMs; nothing is checkpointed past it', async (t) => {
  const stream = uniqueName('hang');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('h', 20), (id) => (id === 'h-7' ? { hang: true } : {}));
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    transform: { module: fixture('transform-hangs.js'), threads: 1, timeoutMs: 300 },
    restart: { baseMs: 50, maxMs: 100, maxRestarts: 2, windowMs: 60_000, slowRetryMs: 60_000 },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().restarts >= 2, 30_000, 'the stuck window to fail its actor twice');
  const stats = await pipeline.stop();
  t.is(stats.recordsEmitted, 0);
  const failure = logger.lines.find((l) => l.level === 'error' && l.msg.includes('shard actor failed'));
  t.regex(String(failure?.fields.error), /the transform of 20 records of shardId-000000000000 did not finish within transform\.timeoutMs \(300 ms\)/);
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), null);
});

test.serial('poison records go to the dead-letter sink with their error; the rest flow and the checkpoint passes them', async (t) => {
  const stream = uniqueName('poison');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const all = ids('p', 1000);
  const poison = (id: string) => Number(id.slice(2)) % 10 === 3;
  const produced = await produce(env.kinesisClient, stream, all, (id) => (poison(id) ? { poison: true } : {}));
  const options = testOptions(env, app, stream, { transform: { module: fixture('transform-throws.js'), threads: 2, windowRecords: 100 } });
  const logger = captureLogger();
  const pipeline = new Pipeline(options, { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 900 && pipeline.isIdle(300), 60_000, 'good records emitted');
  const stats = await pipeline.stop();
  t.is(stats.recordsDeadLettered, 100);
  t.is(stats.restarts, 0);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.is(counts.size, 900);
  t.true(all.filter((id) => !poison(id)).every((id) => counts.get(id) === 1));
  const lines = (await readFile(join(options.deadLetter!.dir!, 'shardId-000000000000.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 100);
  const first = lines[0];
  t.is(first.shardId, 'shardId-000000000000');
  t.regex(first.sequenceNumber, /^\d+$/);
  t.is(first.error.name, 'RangeError');
  t.is(first.error.message, 'poison record p-3');
  t.regex(first.error.stack, /transform-throws/);
  t.deepEqual(JSON.parse(Buffer.from(first.dataBase64, 'base64').toString()), { id: 'p-3', poison: true });
  t.deepEqual(lines.map((l) => JSON.parse(Buffer.from(l.dataBase64, 'base64').toString()).id).sort(), all.filter(poison).sort());
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), produced.lastSeq.get('shardId-000000000000') ?? null);
  t.truthy(logger.lines.find((l) => l.level === 'warn' && l.msg.includes('dead-letter')));
});
