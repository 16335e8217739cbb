import test from 'ava';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { writeCheckKey } from '../src/emitters/emitter.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { createStream } from '../src/aws/create-stream.js';
import { compareSequence } from '../src/core/sequence.js';
import { countIds, ids, produce, readObjects, readRecords, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test.serial('4 shards x 5,000 records: every record in S3 once, checkpoints at each shard\'s last sequence number', async (t) => {
  const stream = uniqueName('s3-all');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 4);
  const all = ids('r', 20_000);
  const produced = await produce(env.kinesisClient, stream, all);
  t.is(produced.lastSeq.size, 4, 'records reached all 4 shards');

  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 90_000, 'all records emitted and committed');
  const stats = await pipeline.stop();
  t.is(stats.recordsRead, 20_000);
  t.is(stats.recordsEmitted, 20_000);
  t.is(stats.restarts, 0);

  const objects = await readObjects(env.s3Client, env.bucket, `${stream}/`);
  const records = objects.flatMap((o) => o.lines.map((l) => JSON.parse(l) as { id: string; shard: string; seq: string }));
  const counts = countIds(records);
  t.is(counts.size, 20_000);
  t.true([...counts.values()].every((c) => c === 1), 'no duplicates in a clean run');
  for (const o of objects) {
    const [, yyyy, mm, dd, shard, range] = o.key.match(/^[^/]+\/(\d{4})\/(\d{2})\/(\d{2})\/(shardId-\d+)\/(\d+-\d+)$/) ?? [];
    t.truthy(yyyy && mm && dd && shard && range, `key layout: ${o.key}`);
    const seqs = o.lines.map((l) => JSON.parse(l) as { shard: string; seq: string });
    t.true(seqs.every((r) => r.shard === shard), 'an object holds one shard');
    for (let i = 1; i < seqs.length; i++) t.true(compareSequence(seqs[i - 1].seq, seqs[i].seq) < 0, 'records in sequence order');
    t.true(o.lines.length <= 500, 'maxRecords respected');
  }
  for (const [shardId, lastSeq] of produced.lastSeq) {
    t.is(await redisGet(`${app}:checkpoint:${stream}:${shardId}`), lastSeq, `checkpoint of ${shardId}`);
    t.is(stats.checkpoints[shardId], lastSeq);
  }
  t.false(logger.lines.some((l) => l.level === 'error'), 'no errors logged');
});

test.serial('restart from checkpoint: a second run emits only the new records', async (t) => {
  const stream = uniqueName('s3-restart');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  await produce(env.kinesisClient, stream, ids('first', 1500));
  const first = new Pipeline(testOptions(env, app, stream), { logger: captureLogger() });
  await first.start();
  await waitFor(() => first.stats().recordsEmitted >= 1500 && first.isIdle(300), 60_000, 'first run done');
  await first.stop();

  await produce(env.kinesisClient, stream, ids('second', 700));
  const second = new Pipeline(testOptions(env, app, stream), { logger: captureLogger() });
  await second.start();
  await waitFor(() => second.stats().recordsEmitted >= 700 && second.isIdle(500), 60_000, 'second run done');
  const stats = await second.stop();
  t.is(stats.recordsRead, 700, 'the second run read only what came after the checkpoints');
  t.is(stats.recordsEmitted, 700);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.is(counts.size, 2200);
  t.true([...counts.values()].every((c) => c === 1));
});

test.serial('gzip objects get .gz keys and decompress to the records', async (t) => {
  const stream = uniqueName('s3-gzip');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('g', 300));
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true, gzip: true },
  }), { logger: captureLogger() });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 300 && pipeline.isIdle(300), 60_000, 'done');
  await pipeline.stop();
  const objects = await readObjects(env.s3Client, env.bucket, `${stream}/`);
  t.true(objects.length > 0 && objects.every((o) => o.key.endsWith('.gz')));
  t.is(countIds(objects.flatMap((o) => o.lines.map((l) => JSON.parse(l) as { id: string }))).size, 300);
});

test.serial('startPosition LATEST skips what was there before the first start', async (t) => {
  const stream = uniqueName('s3-latest');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('old', 100));
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, { startPosition: 'LATEST' }), { logger: captureLogger() });
  await pipeline.start();
  await new Promise((r) => setTimeout(r, 500)); // the actor has its LATEST iterator
  await produce(env.kinesisClient, stream, ids('new', 60));
  await waitFor(() => pipeline.stats().recordsEmitted >= 60 && pipeline.isIdle(300), 30_000, 'new records emitted');
  const stats = await pipeline.stop();
  t.is(stats.recordsRead, 60);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.deepEqual([...counts.keys()].sort(), ids('new', 60).sort());
});

test.serial('a bucket deleted while running: the emit fails once as permanent, the checkpoint does not move, and the shard resumes once the bucket is back', async (t) => {
  const stream = uniqueName('s3-nobucket');
  const app = uniqueName('app');
  const bucket = uniqueName('gone');
  await env.s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
  await createStream(env.kinesisClient, stream, 1);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    emitter: { type: 's3', bucket, endpoint: env.s3.endpoint, forcePathStyle: true },
    restart: { baseMs: 10, maxMs: 20, maxRestarts: 2, windowMs: 60_000, slowRetryMs: 300 },
  }), { logger });
  await pipeline.start(); // the start-up check passes: the bucket is there
  await env.s3Client.send(new DeleteObjectCommand({ Bucket: bucket, Key: writeCheckKey('') }));
  await env.s3Client.send(new DeleteBucketCommand({ Bucket: bucket }));
  await produce(env.kinesisClient, stream, ids('n', 50));
  await waitFor(() => pipeline.stats().restarts >= 4, 30_000, 'the actor to fail, be restarted, exhaust its budget and be retried slowly');
  const failure = logger.lines.find((l) => l.level === 'error' && l.msg.includes('shard actor failed'));
  t.truthy(failure);
  t.regex(String(failure!.fields.error), new RegExp(`S3 PutObject s3://${bucket}/.* failed: NoSuchBucket`));
  t.is(failure!.fields.permanent, true);
  t.regex(failure!.msg, /the error is permanent/);
  t.false(logger.lines.some((l) => l.msg === 'emit failed; retrying'), 'a permanent error spends no emit retries');
  t.is(pipeline.stats().recordsEmitted, 0);
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), null);
  const exhausted = logger.lines.find((l) => l.level === 'error' && l.msg.includes('restart budget exhausted'));
  t.truthy(exhausted, 'the exhausted budget is logged as an error');
  t.regex(String(exhausted!.fields.error), /NoSuchBucket/);
  t.is(exhausted!.fields.permanent, true);
  t.is(exhausted!.fields.restartInMs, 300);
  // The sink comes back: the slow retries pick it up.
  await env.s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
  await waitFor(() => pipeline.stats().recordsEmitted >= 50 && pipeline.isIdle(300), 30_000, 'the records stored once the bucket is back');
  await pipeline.stop();
  t.is(countIds(await readRecords(env.s3Client, bucket)).size, 50);
  t.truthy(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`));
});

test.serial('kinesis.protocol "cbor" and "json": each run moves every record once, and the two store the same lines', async (t) => {
  const stream = uniqueName('s3-protocol');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('p', 3000);
  const produced = await produce(env.kinesisClient, stream, all, (id) => ({ text: `héllo ${id} ✓` }));
  const stored: Record<string, Array<{ key: string; lines: string[] }>> = {};
  for (const protocol of ['cbor', 'json'] as const) {
    const app = uniqueName(`app-${protocol}`);
    const prefix = `${stream}-${protocol}/`;
    const logger = captureLogger();
    const pipeline = new Pipeline(testOptions(env, app, stream, {
      kinesis: { endpoint: env.kinesis.endpoint, protocol },
      emitter: { type: 's3', bucket: env.bucket, prefix, endpoint: env.s3.endpoint, forcePathStyle: true },
    }), { logger });
    await pipeline.start();
    await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 60_000, `all records emitted (${protocol})`);
    const stats = await pipeline.stop();
    t.is(stats.recordsRead, all.length, protocol);
    t.is(stats.restarts, 0, protocol);
    for (const [shardId, lastSeq] of produced.lastSeq) t.is(stats.checkpoints[shardId], lastSeq, `${protocol}: checkpoint of ${shardId}`);
    t.false(logger.lines.some((l) => l.level === 'error' || l.level === 'warn'), `${protocol}: no errors or warnings logged`);
    stored[protocol] = (await readObjects(env.s3Client, env.bucket, prefix)).map((o) => ({ key: o.key.slice(prefix.length), lines: o.lines }));
  }
  const counts = countIds(stored.cbor.flatMap((o) => o.lines.map((l) => JSON.parse(l) as { id: string })));
  t.is(counts.size, all.length);
  t.true([...counts.values()].every((c) => c === 1), 'every record once');
  // Where a timer cuts a batch differs between two runs; the lines (record, shard, sequence number) may not.
  const lines = (objects: Array<{ key: string; lines: string[] }>) => objects.flatMap((o) => o.lines).sort();
  t.deepEqual(lines(stored.cbor), lines(stored.json), 'the same lines: records, shards and sequence numbers');
  t.true(stored.cbor.flatMap((o) => o.lines).every((l) => (JSON.parse(l) as { text: string; id: string }).text === `héllo ${(JSON.parse(l) as { id: string }).id} ✓`));
});
