// Key templates end to end, against the in-process Kinesis and S3: every record stored once, in
// the object of its partition (its field's value and its own arrival day), hostile values kept
// inside the prefix; Parquet per partition from replay files into the file emitter.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import { compareSequence } from '../src/core/sequence.js';
import { encodeKeyValue } from '../src/emitters/key-value.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { filesUnder } from './helpers/files-under.js';
import { ids, produce, readObjects, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, fixture, replayFiles, testOptions } from './helpers/pipeline-options.js';
import { readParquetFile } from './helpers/read-parquet.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** Field values of every kind: plain, hostile, unicode, empty, missing (undefined), not scalars. */
const TYPES: unknown[] = ['click', 'view', '../x', 'a/b', '..', 'é ✓', '', undefined, { a: 1 }, 7];
/** Types come in runs of 40 ids, so batches hold a few partitions each (and maxOpenPartitions cuts some). */
const typeOf = (id: string) => TYPES[Math.floor(Number(id.split('-')[1]) / 40) % TYPES.length];

interface Row { id: string; type?: unknown; shard: string; seq: string; arrival: number }

test.serial('{field:type} and {arrival:yyyy-MM-dd}: every record once, in the object of its own partition', async (t) => {
  const stream = uniqueName('s3-keys');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('k', 3000);
  const produced = await produce(env.kinesisClient, stream, all, (id) => (typeOf(id) === undefined ? {} : { type: typeOf(id) }));
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    transform: { module: fixture('transform-arrival.js'), threads: 2, windowRecords: 250 },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 200, maxOpenPartitions: 4 },
    emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true,
      key: 'events/type={field:type}/dt={arrival:yyyy-MM-dd}/{shardId}-{firstSeq}-{lastSeq}' },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 90_000, 'all records emitted and committed');
  const stats = await pipeline.stop();
  t.is(stats.recordsEmitted, all.length);

  const objects = await readObjects(env.s3Client, env.bucket, `${stream}/`);
  const seen = new Map<string, number>();
  const partitions = new Set<string>();
  for (const o of objects) {
    const m = /^[^/]+\/events\/type=([A-Za-z0-9._%-]+)\/dt=(\d{4}-\d{2}-\d{2})\/(shardId-\d+)-(\d+)-(\d+)$/.exec(o.key);
    t.truthy(m, `key layout: ${o.key}`);
    if (!m) continue;
    const [, type, day, shard, firstSeq, lastSeq] = m;
    t.false(['.', '..'].includes(type), `no dot segment: ${o.key}`);
    partitions.add(type);
    const rows = o.lines.map((l) => JSON.parse(l) as Row);
    for (const r of rows) {
      t.is(encodeKeyValue(r.type, '_unknown'), type, `record ${r.id} in the object of its type`);
      t.is(new Date(r.arrival).toISOString().slice(0, 10), day, `record ${r.id} in the object of its arrival day`);
      t.is(r.shard, shard);
      seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    }
    t.is(rows[0].seq, firstSeq, 'firstSeq is the object\'s first record');
    t.is(rows[rows.length - 1].seq, lastSeq, 'lastSeq is the object\'s last record');
    for (let i = 1; i < rows.length; i++) t.true(compareSequence(rows[i - 1].seq, rows[i].seq) < 0, 'records in sequence order');
  }
  t.is(seen.size, all.length);
  t.true([...seen.values()].every((c) => c === 1), 'every record exactly once');
  t.deepEqual([...partitions].sort(), ['%2E%2E', '..%2Fx', '7', '_unknown', 'a%2Fb', 'click', 'view', '%C3%A9%20%E2%9C%93'].sort());
  for (const [shardId, lastSeq] of produced.lastSeq) t.is(await redisGet(`${app}:checkpoint:${stream}:${shardId}`), lastSeq, `checkpoint of ${shardId}`);
  t.false(logger.lines.some((l) => l.level === 'error'), 'no errors logged');
  t.log(`${objects.length} objects for ${all.length} records in ${partitions.size} partitions`);
});

test.serial('Parquet per partition: replay files into the file emitter, each file holding the rows of its partition', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-keys-parquet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kinds = ['a', 'b', 'c'];
  const line = (shard: string, i: number) => JSON.stringify(i % 7 === 0 ? { id: `${shard}-${i}` } : { id: `${shard}-${i}`, kind: kinds[i % 3], n: i });
  const n = 1200;
  const { stats } = await replayFiles(dir, { s0: Array.from({ length: n }, (_, i) => line('s0', i)), s1: Array.from({ length: n }, (_, i) => line('s1', i)) }, {
    buffer: { maxRecords: 400, maxBytes: 1 << 20, maxAgeMs: 100 },
    emitter: { type: 'file', dir: join(dir, 'out'), prefix: 'lake/', format: 'parquet', key: 'kind={field:kind}/{shardId}/{firstSeq}-{lastSeq}', keyFieldDefault: 'none' },
  });
  t.is(stats.recordsEmitted, 2 * n);
  const files = await filesUnder(join(dir, 'out'));
  const seen = new Map<string, number>();
  for (const f of files) {
    const m = /^lake\/kind=(a|b|c|none)\/(s[01])\/(\d+)-(\d+)\.parquet$/.exec(f);
    t.truthy(m, `file name: ${f}`);
    if (!m) continue;
    const { rows } = readParquetFile(await readFile(join(dir, 'out', f)));
    t.true(rows.length > 0);
    for (const row of rows) {
      t.is(row.kind ?? 'none', m[1], `row ${String(row.id)} in the file of its kind`);
      t.is(row.shard, m[2]);
      seen.set(row.id as string, (seen.get(row.id as string) ?? 0) + 1);
    }
    t.is(rows[0].seq, m[3]);
    t.is(rows[rows.length - 1].seq, m[4]);
  }
  t.is(seen.size, 2 * n);
  t.true([...seen.values()].every((c) => c === 1), 'every record exactly once');
});
