// KPL aggregates made by AWS' aws-kinesis-agg, put into kinesalite among plain records, through the
// whole pipeline to s3rver: every user record stored once, in order, with its own partition key and
// sequence number <seq>.<sub>; a corrupt aggregate dead-lettered; a restart inside an aggregate.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createStream } from '../src/aws/create-stream.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import { compareSequence } from '../src/core/sequence.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import type { PipelineOptions } from '../src/config/config.js';
import { REDIS_URL, readObjects, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { aggregate } from './helpers/kpl-producer.js';
import { captureLogger, fixture, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const SHARD = 'shardId-000000000000';

/** What the test expects of one user (or plain) record once stored. */
interface Expected { id: string; key: string; seq: string }
/** A stored line (see fixtures/transform-tag-key.ts). */
interface Stored { id: string; key: string; seq: string; shard: string }

/** A Kinesis record to put: plain JSON `{ id }` or an aggregate of user records `{ id }`. */
type Put = { plain: string } | { users: string[]; corrupt?: boolean };

const userKey = (id: string) => `user-${id.length % 5}-${id.slice(-1)}`;

/** Puts `puts` into the stream's one shard, in order (one PutRecords each); what each record must become. */
async function put(stream: string, puts: Put[]): Promise<{ expected: Expected[]; kinesisSeqs: string[]; corrupt: Array<{ seq: string; data: Buffer; key: string }> }> {
  const expected: Expected[] = [];
  const kinesisSeqs: string[] = [];
  const corrupt: Array<{ seq: string; data: Buffer; key: string }> = [];
  for (const p of puts) {
    const entry = 'plain' in p ? { Data: Buffer.from(JSON.stringify({ id: p.plain })), PartitionKey: p.plain }
      : (() => {
        const agg = aggregate(p.users.map((id) => ({ partitionKey: userKey(id), data: Buffer.from(JSON.stringify({ id })) })));
        if (p.corrupt) agg.data[agg.data.length - 20] ^= 0x01; // a byte of the body: the MD5 no longer matches
        return { Data: agg.data, PartitionKey: agg.partitionKey };
      })();
    const res = await env.kinesisClient.send(new PutRecordsCommand({ StreamName: stream, Records: [entry] }));
    const seq = res.Records![0].SequenceNumber!;
    kinesisSeqs.push(seq);
    if ('plain' in p) expected.push({ id: p.plain, key: p.plain, seq });
    else if (p.corrupt) corrupt.push({ seq, data: Buffer.from(entry.Data), key: entry.PartitionKey });
    else p.users.forEach((id, k) => expected.push({ id, key: userKey(id), seq: `${seq}.${k}` }));
  }
  return { expected, kinesisSeqs, corrupt };
}

const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const plains = (prefix: string, n: number): Put[] => users(prefix, n).map((plain) => ({ plain }));

function options(stream: string, app: string, extra: Partial<PipelineOptions> = {}): PipelineOptions {
  return testOptions(env, app, stream, { transform: { module: fixture('transform-tag-key.js'), threads: 2, windowRecords: 50 }, ...extra });
}

/** Runs a pipeline until `count` records are emitted and it is idle; its stats and log. */
async function runUntil(opts: PipelineOptions, count: number) {
  const logger = captureLogger();
  const pipeline = new Pipeline(opts, { logger });
  await pipeline.start();
  try {
    await waitFor(() => pipeline.stats().recordsEmitted >= count && pipeline.isIdle(400), 60_000, `${count} records emitted`);
  } finally {
    await pipeline.stop();
  }
  return { stats: pipeline.stats(), logger };
}

/** Every stored line under `prefix`, in key order, and the objects. */
async function stored(prefix: string) {
  const objects = (await readObjects(env.s3Client, env.bucket, prefix)).sort((a, b) => compareSequence(a.key.split('/').pop()!.split('-')[0], b.key.split('/').pop()!.split('-')[0]));
  return { objects, lines: objects.flatMap((o) => o.lines.map((l) => JSON.parse(l) as Stored)) };
}

test.serial('aggregates among plain records: every user record stored once, in order, with its own key and <seq>.<sub>', async (t) => {
  const stream = uniqueName('kpl-mixed');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const { expected, kinesisSeqs } = await put(stream, [
    ...plains('p', 30), { users: users('a', 120) }, ...plains('q', 10), { users: users('b', 1) }, { users: users('c', 333) }, ...plains('r', 7),
  ]);
  // Batches of 100 records: their boundaries fall inside the aggregates.
  const { stats, logger } = await runUntil(options(stream, app, { buffer: { maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 200 } }), expected.length);
  t.is(stats.recordsRead, 30 + 120 + 10 + 1 + 333 + 7, 'user records are what is read');
  t.is(stats.recordsEmitted, expected.length);
  t.is(stats.recordsDeadLettered, 0);

  const { objects, lines } = await stored(`${stream}/`);
  t.deepEqual(lines.map(({ id, key, seq }) => ({ id, key, seq })), expected, 'each record once, in shard order, with its own key and sequence number');
  t.true(lines.every((l) => l.shard === SHARD));
  t.true(objects.some((o) => /\/\d+-\d+\.69$/.test(o.key)), `object keys carry <seq>.<sub>: ${objects.map((o) => o.key.split('/').pop()).join(' ')}`);
  const last = kinesisSeqs[kinesisSeqs.length - 1];
  t.is(await redisGet(`${app}:checkpoint:${stream}:${SHARD}`), last, 'the checkpoint is the last (plain) record');
  t.false(logger.lines.some((l) => l.level === 'error' || l.level === 'warn'), 'nothing warned');
});

test.serial('reader.deaggregate false: aggregates pass as they were read', async (t) => {
  const stream = uniqueName('kpl-off');
  await createStream(env.kinesisClient, stream, 1);
  const { kinesisSeqs } = await put(stream, [{ plain: 'p-0' }, { users: users('a', 5) }]);
  const opts = options(stream, uniqueName('app'), { reader: { pollIntervalMs: 100, deaggregate: false }, transform: { threads: 1, rawFraming: 'base64' } });
  const { stats } = await runUntil(opts, 2);
  t.is(stats.recordsRead, 2);
  const raw = (await readObjects(env.s3Client, env.bucket, `${stream}/`)).flatMap((o) => o.lines.map((l) => Buffer.from(l, 'base64')));
  t.is(raw.length, 2);
  t.deepEqual(JSON.parse(raw[0].toString('utf8')), { id: 'p-0' });
  t.is(raw[1].subarray(0, 4).toString('hex'), 'f3899ac2', 'the aggregate is stored whole');
  t.is(await redisGet(`${opts.app}:checkpoint:${stream}:${SHARD}`), kinesisSeqs[1]);
});

test.serial('a corrupt aggregate goes to the dead-letter sink whole; the records after it are stored and checkpointed', async (t) => {
  const stream = uniqueName('kpl-corrupt');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const { expected, kinesisSeqs, corrupt } = await put(stream, [
    ...plains('p', 5), { users: users('a', 10) }, { users: users('bad', 25), corrupt: true }, { users: users('c', 10) }, ...plains('q', 3),
  ]);
  const opts = options(stream, app);
  const { stats, logger } = await runUntil(opts, expected.length);
  t.is(stats.recordsEmitted, 5 + 10 + 10 + 3);
  t.is(stats.recordsDeadLettered, 1, 'one corrupt aggregate');
  const { lines } = await stored(`${stream}/`);
  t.deepEqual(lines.map(({ id, key, seq }) => ({ id, key, seq })), expected, 'everything but the corrupt aggregate, once, in order');
  t.false(lines.some((l) => l.id.startsWith('bad-')));

  const dead = (await readFile(join(opts.deadLetter!.dir!, `${SHARD}.ndjson`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  t.is(dead.length, 1);
  t.like(dead[0], { shardId: SHARD, sequenceNumber: corrupt[0].seq, partitionKey: corrupt[0].key, dataBase64: corrupt[0].data.toString('base64') });
  t.like(dead[0].error, { name: 'KplAggregateError' });
  t.regex((dead[0].error as { message: string }).message, /^MD5 mismatch/);
  const warnings = logger.lines.filter((l) => l.level === 'warn');
  t.is(warnings.length, 1, 'logged once');
  t.regex(warnings[0].msg, /corrupt KPL aggregate/);
  t.is(await redisGet(`${app}:checkpoint:${stream}:${SHARD}`), kinesisSeqs[kinesisSeqs.length - 1], 'the shard moved on past it');
});

test.serial('a restart from a checkpoint inside an aggregate neither loses nor repeats its user records', async (t) => {
  const stream = uniqueName('kpl-resume');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const { expected, kinesisSeqs } = await put(stream, [...plains('p', 4), { users: users('a', 30) }, ...plains('q', 5)]);
  const aggSeq = kinesisSeqs[4];
  // Run 1, batches of 7 records: boundaries at a-2, a-9, a-16, ... inside the aggregate.
  const small = { buffer: { maxRecords: 7, maxBytes: 1 << 20, maxAgeMs: 200 } };
  await runUntil(options(stream, app, small), expected.length);
  const first = await stored(`${stream}/`);
  t.deepEqual(first.lines.map(({ id, seq }) => ({ id, seq })), expected.map(({ id, seq }) => ({ id, seq })));
  const ends = first.objects.map((o) => o.key.split('-').pop()!);
  t.true(ends.includes(`${aggSeq}.9`), `a batch ended at ${aggSeq}.9: ${ends.join(' ')}`);

  // Run 2 (another app) resumes from the checkpoint run 1 made there: the batch ending at a-9 stored.
  const app2 = uniqueName('app');
  const store = new RedisCheckpointStore({ app: app2, stream, url: REDIS_URL });
  t.is(await store.set(SHARD, `${aggSeq}.9`), `${aggSeq}.9`);
  await store.close();
  const { stats } = await runUntil(options(stream, app2, { ...small, emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}-resumed/`, endpoint: env.s3.endpoint, forcePathStyle: true } }), 20 + 5);
  t.is(stats.recordsRead, 20 + 5, 'only a-10 .. a-29 and the plain records after the aggregate were read');
  const second = await stored(`${stream}-resumed/`);
  const upToCheckpoint = first.lines.slice(0, first.lines.findIndex((l) => l.seq === `${aggSeq}.9`) + 1);
  t.deepEqual([...upToCheckpoint, ...second.lines].map(({ id, key, seq }) => ({ id, key, seq })), expected,
    'what run 1 stored up to the checkpoint and what the restart stored: every record once, in order');
  t.is(second.lines[0].id, 'a-10');
  t.is(await redisGet(`${app2}:checkpoint:${stream}:${SHARD}`), kinesisSeqs[kinesisSeqs.length - 1]);
});
