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

for (const protocol of ['cbor', 'json'] as const) {
  test.serial(`a throttling Kinesis is ridden out by backoff (${protocol})`, async (t) => {
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
        kinesis: { endpoint: proxy.endpoint, maxAttempts: 1, protocol },
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
}

for (const protocol of ['cbor', 'json'] as const) {
  test.serial(`an expired shard iterator is replaced after the last record read (${protocol}): nothing lost, nothing repeated`, async (t) => {
    const stream = uniqueName('expired');
    const app = uniqueName('app');
    await createStream(env.kinesisClient, stream, 1);
    const all = ids('e', 1500);
    await produce(env.kinesisClient, stream, all);
    const proxy = await startThrottlingProxy(env.kinesis.endpoint, { GetRecords: { every: 3, error: 'ExpiredIteratorException' } });
    const logger = captureLogger();
    try {
      const pipeline = new Pipeline(testOptions(env, app, stream, {
        kinesis: { endpoint: proxy.endpoint, maxAttempts: 1, protocol },
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
}

// These replace "a transform that never returns fails its actor": on purpose, a record that stops or
// kills its transform thread no longer stops its shard; bisection finds it and dead-letters it.
const stoppers = [
  { module: 'transform-hangs-on-one.js', kind: 'hangs', name: 'TRANSFORM_TIMEOUT', message: /^the transform did not finish within transform\.timeoutMs \(300 ms\)$/ },
  { module: 'transform-exits-on-one.js', kind: 'calls process.exit', name: 'THREAD_EXIT', message: /^the transform thread exited with code 3$/ },
  { module: 'transform-crashes-async-on-one.js', kind: 'crashes asynchronously', name: 'THREAD_EXIT', message: /^the transform thread died of an uncaught error: RangeError: async crash on s-20$/ },
];

for (const s of stoppers) {
  test.serial(`a transform that ${s.kind} on one record no longer stops its shard: the record is dead-lettered with ${s.name}, the rest stored once, the checkpoint passes it`, async (t) => {
    const stream = uniqueName('stopper');
    const app = uniqueName('app');
    await createStream(env.kinesisClient, stream, 1);
    const all = ids('s', 60);
    const produced = await produce(env.kinesisClient, stream, all, (id) => (id === 's-20' ? { bad: true } : {}));
    const options = testOptions(env, app, stream, {
      transform: { module: fixture(s.module), threads: 2, windowRecords: 40, timeoutMs: 300 },
      restart: { baseMs: 50, maxMs: 100, maxRestarts: 2, windowMs: 60_000, slowRetryMs: 60_000 },
    });
    const logger = captureLogger();
    const pipeline = new Pipeline(options, { logger });
    await pipeline.start();
    await waitFor(() => pipeline.stats().recordsEmitted >= 59 && pipeline.isIdle(300), 30_000, 'every other record emitted');
    const stats = await pipeline.stop();
    t.is(stats.restarts, 0);
    t.is(stats.recordsDeadLettered, 1);
    const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
    t.is(counts.size, 59);
    t.true(all.filter((id) => id !== 's-20').every((id) => counts.get(id) === 1), 'every other record stored exactly once');
    const lines = (await readFile(join(options.deadLetter!.dir!, 'shardId-000000000000.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    t.is(lines.length, 1);
    t.deepEqual(JSON.parse(Buffer.from(lines[0].dataBase64, 'base64').toString()), { id: 's-20', bad: true });
    t.is(lines[0].error.name, s.name);
    t.regex(lines[0].error.message, s.message);
    t.regex(lines[0].sequenceNumber, /^\d+$/);
    t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), produced.lastSeq.get('shardId-000000000000') ?? null);
    const isolated = logger.lines.find((l) => l.level === 'error' && l.msg.includes('stops or kills its transform thread'));
    t.is(isolated?.fields.sequenceNumber, lines[0].sequenceNumber);
    t.truthy(logger.lines.find((l) => l.level === 'warn' && l.msg.includes('bisecting')));
    const death = logger.lines.find((l) => l.level === 'error' && l.msg.includes('transform pool thread died'));
    if (s.name === 'THREAD_EXIT') t.regex(String(death?.fields.error), s.message);
    else t.is(death, undefined);
  });
}

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
