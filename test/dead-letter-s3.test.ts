// Dead letters to S3 (`deadLetter.s3`) against the real s3rver and kinesalite: the objects and
// their keys, the config messages, the start-up check of the bucket, and writes S3 refuses a while.
import test from 'ava';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { S3DeadLetterSink } from '../src/actors/s3-dead-letter-sink.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { createStream } from '../src/aws/create-stream.js';
import { resolveConfig } from '../src/config/config.js';
import { ConfigError, SinkCheckError } from '../src/core/errors.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { countIds, ids, produce, readObjects, readRecords, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, fixture, testOptions } from './helpers/pipeline-options.js';
import { startS3RefusingProxy } from './helpers/s3-refusing-proxy.js';
import type { PipelineOptions } from '../src/config/config.js';

const DEAD_BUCKET = 'dead-letters';

let env: Env;
test.before(async () => {
  env = await startEnv();
  await env.s3Client.send(new CreateBucketCommand({ Bucket: DEAD_BUCKET }));
});
test.after.always(async () => { await env?.close(); });

interface Line {
  shardId: string; sequenceNumber: string; partitionKey: string; dataBase64: string;
  error: { name: string; message: string; stack?: string }; failedAt: string;
}

/** The dead-letter objects under `prefix`, each with its key's shard and sequence numbers and its lines. */
async function deadLetters(prefix: string) {
  return (await readObjects(env.s3Client, DEAD_BUCKET, prefix)).map(({ key, lines }) => {
    const match = /^(.*)(shardId-\d+)\/(\d+)-(\d+)\.ndjson$/.exec(key);
    return { key, match, lines: lines.map((l) => JSON.parse(l) as Line) };
  });
}

const poison = (id: string) => Number(id.slice(2)) % 10 === 3;

async function poisonedStream(name: string, count: number) {
  const stream = uniqueName(name);
  await createStream(env.kinesisClient, stream, 1);
  const all = ids('p', count);
  const produced = await produce(env.kinesisClient, stream, all, (id) => (poison(id) ? { poison: true } : {}));
  return { stream, app: uniqueName('app'), all, produced };
}

test.serial('poison records go to S3, one object per window at <prefix><shardId>/<first>-<last>.ndjson with every field; the rest flow and the checkpoint passes them', async (t) => {
  const { stream, app, all, produced } = await poisonedStream('dl-s3', 1000);
  const prefix = `${stream}/`;
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    // Fixed windows of 100 (windowTargetMs 0): the dead-letter objects are one per window.
    transform: { module: fixture('transform-throws.js'), threads: 2, windowRecords: 100, windowTargetMs: 0 },
    deadLetter: { s3: { bucket: DEAD_BUCKET, prefix, endpoint: env.s3.endpoint, forcePathStyle: true } },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 900 && pipeline.isIdle(300), 60_000, 'good records emitted');
  const stats = await pipeline.stop();
  t.is(stats.recordsDeadLettered, 100);
  t.is(stats.restarts, 0);

  const counts = countIds(await readRecords(env.s3Client, env.bucket, prefix));
  t.is(counts.size, 900);
  t.true(all.filter((id) => !poison(id)).every((id) => counts.get(id) === 1), 'every good record emitted once');

  const objects = await deadLetters(prefix);
  t.is(objects.length, 10, 'one object per window of 100 records (10 poison records each)');
  const lines: Line[] = [];
  for (const { key, match, lines: own } of objects) {
    t.truthy(match, `key ${key} is <prefix><shardId>/<first>-<last>.ndjson`);
    t.is(match![1], prefix);
    t.is(match![2], 'shardId-000000000000');
    t.is(match![3], own[0].sequenceNumber, `${key} starts at its first record`);
    t.is(match![4], own[own.length - 1].sequenceNumber, `${key} ends at its last record`);
    lines.push(...own);
  }
  t.is(lines.length, 100);
  for (const line of lines) {
    const id = (JSON.parse(Buffer.from(line.dataBase64, 'base64').toString()) as { id: string }).id;
    t.is(line.shardId, 'shardId-000000000000');
    t.regex(line.sequenceNumber, /^\d+$/);
    t.is(line.partitionKey, id);
    t.deepEqual(Buffer.from(line.dataBase64, 'base64'), Buffer.from(JSON.stringify({ id, poison: true })), 'the original bytes');
    t.is(line.error.name, 'RangeError');
    t.is(line.error.message, `poison record ${id}`);
    t.regex(line.error.stack ?? '', /transform-throws/);
    t.false(Number.isNaN(Date.parse(line.failedAt)));
  }
  t.deepEqual(lines.map((l) => (JSON.parse(Buffer.from(l.dataBase64, 'base64').toString()) as { id: string }).id).sort(), all.filter(poison).sort());
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), produced.lastSeq.get('shardId-000000000000') ?? null);
  const warned = logger.lines.find((l) => l.level === 'warn' && l.msg.includes('dead-letter sink'));
  t.is(warned?.fields.deadLetter, `s3://${DEAD_BUCKET}/${prefix}shardId-000000000000/`);
});

/**
 * A poisoned stream of `records` read by a pipeline whose dead letters go through a proxy in front of
 * S3 that refuses the first `refusals` writes under the stream's prefix (the pipeline started).
 */
async function pipelineBehindRefusingProxy(name: string, records: number, refusals: number, extra: Partial<PipelineOptions> = {}) {
  const { stream, app, all, produced } = await poisonedStream(name, records);
  const prefix = `${stream}/`;
  const proxy = await startS3RefusingProxy(env.s3.endpoint, `/${DEAD_BUCKET}/${prefix}shardId-`, refusals);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    // Fixed windows of 100 (windowTargetMs 0): the dead-letter objects are one per window.
    transform: { module: fixture('transform-throws.js'), threads: 2, windowRecords: 100, windowTargetMs: 0 },
    deadLetter: { s3: { bucket: DEAD_BUCKET, prefix, endpoint: proxy.endpoint, forcePathStyle: true } },
    ...extra,
  }), { logger });
  try {
    await pipeline.start();
  } catch (err) {
    await proxy.close();
    throw err;
  }
  return { stream, app, all, produced, prefix, proxy, logger, pipeline };
}

test.serial('S3 refusing dead-letter writes for a while: the sink retries and succeeds, nothing lost, no duplicate object', async (t) => {
  // Six refusals: the SDK's own three attempts of two of the sink's attempts.
  const { app, stream, all, produced, prefix, proxy, logger, pipeline } = await pipelineBehindRefusingProxy('dl-s3-refused', 400, 6);
  try {
    await waitFor(() => pipeline.stats().recordsEmitted >= 360 && pipeline.isIdle(300), 60_000, 'good records emitted');
    const stats = await pipeline.stop();
    t.is(stats.restarts, 0, 'retried inside the sink, the actor never failed');
    t.is(stats.recordsDeadLettered, 40);
    t.is(proxy.refused.length, 6);
    t.true(logger.lines.filter((l) => l.level === 'warn' && l.msg === 'dead-letter write to S3 failed; retrying').length >= 1);
    t.deepEqual([...new Set(proxy.passed)].sort(), [...proxy.passed].sort(), 'each object written once');
    const objects = await deadLetters(prefix);
    t.is(objects.length, 4);
    t.deepEqual(objects.map((o) => `/${DEAD_BUCKET}/${o.key}`).sort(), [...proxy.passed].sort());
    const dead = countIds(objects.flatMap((o) => o.lines.map((l) => JSON.parse(Buffer.from(l.dataBase64, 'base64').toString()) as { id: string })));
    t.deepEqual([...dead.keys()].sort(), all.filter(poison).sort());
    t.true([...dead.values()].every((n) => n === 1), 'every poison record stored once');
    const counts = countIds(await readRecords(env.s3Client, env.bucket, prefix));
    t.is(counts.size, 360);
    t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), produced.lastSeq.get('shardId-000000000000') ?? null);
  } finally {
    await pipeline.stop();
    await proxy.close();
  }
});

test.serial('a dead-letter write that exhausts its retries fails the actor; nothing is checkpointed past it, and after the restart the window is dead-lettered again', async (t) => {
  // The restart waits 1 to 4 s (full jitter over 4 s), so the refusals counted below are the failed actor's alone.
  const { app, stream, all, produced, prefix, proxy, logger, pipeline } = await pipelineBehindRefusingProxy('dl-s3-exhausted', 100, Infinity,
    { restart: { baseMs: 4000, maxMs: 4000 } });
  const key = `${stream}/shardId-000000000000/`;
  try {
    await waitFor(() => logger.lines.some((l) => l.msg.includes('shard actor failed')), 90_000, 'the actor failed');
    const failure = logger.lines.find((l) => l.msg.includes('shard actor failed'))!;
    t.regex(String(failure.fields.error), new RegExp(`dead-letter record\\(s\\) to s3://${DEAD_BUCKET}/${key}\\d+-\\d+\\.ndjson failed after 8 attempt\\(s\\): SlowDown`));
    t.is(proxy.refused.length, 24, 'eight attempts of the sink, three calls of the SDK each');
    t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), null, 'nothing checkpointed past the window');
    t.is(pipeline.stats().recordsEmitted, 0, 'the window\'s good records were not emitted either');
    proxy.refuseNext = 0;
    await waitFor(() => pipeline.stats().recordsEmitted >= 90 && pipeline.isIdle(300), 60_000, 'good records emitted after the restart');
    const stats = await pipeline.stop();
    t.true(stats.restarts >= 1);
    const objects = await deadLetters(prefix);
    t.is(objects.length, 1);
    t.deepEqual(objects[0].lines.map((l) => (JSON.parse(Buffer.from(l.dataBase64, 'base64').toString()) as { id: string }).id).sort(), all.filter(poison).sort());
    t.is(countIds(await readRecords(env.s3Client, env.bucket, prefix)).size, 90);
    t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), produced.lastSeq.get('shardId-000000000000') ?? null);
  } finally {
    await pipeline.stop();
    await proxy.close();
  }
});

test.serial('a dead-letter write S3 keeps refusing rejects naming the bucket, the key and S3\'s error', async (t) => {
  const proxy = await startS3RefusingProxy(env.s3.endpoint, `/${DEAD_BUCKET}/refused/`, 1000);
  const sink = new S3DeadLetterSink({
    client: createS3Client({ region: 'us-east-1', endpoint: proxy.endpoint, forcePathStyle: true }),
    bucket: DEAD_BUCKET, prefix: 'refused/', attempts: 2, backoff: { baseMs: 10, maxMs: 20 },
  });
  try {
    const entry = { shardId: 'shardId-000000000007', sequenceNumber: '11', partitionKey: 'k', dataBase64: 'eA==', error: { name: 'Error', message: 'x' }, failedAt: new Date().toISOString() };
    const err = await t.throwsAsync(sink.write('shardId-000000000007', [entry, { ...entry, sequenceNumber: '12' }]));
    t.is((err as { code?: string }).code, 'DEAD_LETTER_FAILED');
    t.regex(err.message, /^writing 2 dead-letter record\(s\) to s3:\/\/dead-letters\/refused\/shardId-000000000007\/11-12\.ndjson failed after 2 attempt\(s\): SlowDown/);
    t.is(proxy.refused.length, 6, 'two attempts of the sink, three of the SDK each');
  } finally {
    await sink.close();
    await proxy.close();
  }
});

test('a dead-letter key is built only from a shard id and sequence numbers that are one key segment each', (t) => {
  const sink = new S3DeadLetterSink({ client: createS3Client({ region: 'us-east-1' }), bucket: DEAD_BUCKET, prefix: 'dl/' });
  try {
    t.is(sink.key('shardId-000000000001', [{ sequenceNumber: '5' }, { sequenceNumber: '9' }]), 'dl/shardId-000000000001/5-9.ndjson');
    t.throws(() => sink.key('../shardId-000000000001', [{ sequenceNumber: '5' }]), { message: /is not a shard id/ });
    t.throws(() => sink.key('shardId-000000000001', [{ sequenceNumber: '5/../../x' }]), { message: /is not one key segment/ });
  } finally {
    void sink.close();
  }
});

test.serial('a missing dead-letter bucket fails start() with a SinkCheckError naming deadLetter.s3.bucket', async (t) => {
  const { stream, app } = await poisonedStream('dl-s3-check', 10);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    deadLetter: { s3: { bucket: 'no-such-dead-letters', prefix: 'dl/', endpoint: env.s3.endpoint, forcePathStyle: true } },
  }), { logger });
  const err = await t.throwsAsync(pipeline.start());
  t.true(err instanceof SinkCheckError);
  t.regex(err.message, /^dead-letter sink s3 start-up check failed: deadLetter\.s3\.bucket "no-such-dead-letters": HeadBucket failed: NotFound/);
  t.is((err as SinkCheckError).setting, 'deadLetter.s3.bucket "no-such-dead-letters"');
  t.is(pipeline.stats().recordsRead, 0);
});

test.serial('the start-up check writes its probe object under deadLetter.s3.prefix', async (t) => {
  const { stream, app } = await poisonedStream('dl-s3-probe', 10);
  const prefix = `${stream}/`;
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    deadLetter: { s3: { bucket: DEAD_BUCKET, prefix, endpoint: env.s3.endpoint, forcePathStyle: true } },
  }), { logger: captureLogger() });
  await pipeline.start();
  await pipeline.stop();
  await t.notThrowsAsync(env.s3Client.send(new HeadObjectCommand({ Bucket: DEAD_BUCKET, Key: `${prefix}_kinesis-connectors-write-check` })));
});

const resolve = (deadLetter: unknown) => resolveConfig({ app: 'a', stream: 's', deadLetter }, { baseDir: '/srv/app', env: {} });

test('config: deadLetter.s3 resolves like the S3 emitter\'s target; without it, deadLetter.dir as before', (t) => {
  t.deepEqual(resolve({ s3: { bucket: 'dead-letters', prefix: 'dl/', endpoint: 'http://127.0.0.1:4569' } }).deadLetter,
    { dir: undefined, s3: { bucket: 'dead-letters', prefix: 'dl/', region: 'us-east-1', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true } });
  t.deepEqual(resolve({ s3: { bucket: 'dead-letters' } }).deadLetter.s3, { bucket: 'dead-letters', prefix: '', region: 'us-east-1', forcePathStyle: false });
  t.deepEqual(resolve(undefined).deadLetter, { dir: '/srv/app/dead-letter', s3: undefined });
  t.deepEqual(resolve({ dir: 'dl' }).deadLetter, { dir: '/srv/app/dl', s3: undefined });
});

test('config: the messages of deadLetter.s3 name the option', (t) => {
  const cases: Array<[unknown, string]> = [
    [{ s3: { bucket: 'Bad_Bucket' } }, 'deadLetter.s3.bucket must be an S3 bucket name (3-63 of a-z 0-9 . -), got "Bad_Bucket"'],
    [{ s3: {} }, 'deadLetter.s3.bucket must be a non-empty string, got undefined'],
    [{ dir: './dl', s3: { bucket: 'dead-letters' } }, 'deadLetter.s3 cannot be set together with deadLetter.dir: dead letters go to files (dir) or to S3 (s3), set one'],
    [{ s3: { bucket: 'dead-letters', gzip: true } }, 'deadLetter.s3.gzip is not a known option'],
    [{ s3: { bucket: 'dead-letters', prefix: '/abs' } }, 'deadLetter.s3.prefix'],
    [{ s3: { bucket: 'dead-letters', endpoint: 'ftp://x' } }, 'deadLetter.s3.endpoint'],
    [{ s3: 'dead-letters' }, 'deadLetter.s3 must be an object'],
  ];
  for (const [deadLetter, message] of cases) {
    const err = t.throws(() => resolve(deadLetter), { instanceOf: ConfigError }, JSON.stringify(deadLetter));
    t.true(err?.message.startsWith(message), `${JSON.stringify(deadLetter)}: ${err?.message}`);
  }
});
