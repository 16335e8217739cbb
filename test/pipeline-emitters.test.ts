// Each emitter end to end through the pipeline: kinesalite in, the real sink out, counts checked.
import test from 'ava';
import pg from 'pg';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { createStream } from '../src/aws/create-stream.js';
import { createTableSql } from '../src/emitters/postgres/postgres-emitter.js';
import { countIds, ids, produce, readRecords, readStream, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

async function runUntilEmitted(pipeline: Pipeline, n: number): Promise<void> {
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= n && pipeline.isIdle(300), 60_000, `${n} records emitted`);
  await pipeline.stop();
}

test.serial('kinesis emitter: every record lands on the target stream once, checkpoints follow', async (t) => {
  const stream = uniqueName('to-kinesis-src');
  const target = uniqueName('to-kinesis-dst');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  await createStream(env.kinesisClient, target, 3);
  const all = ids('k', 1500);
  const produced = await produce(env.kinesisClient, stream, all);
  await runUntilEmitted(new Pipeline(testOptions(env, app, stream, {
    emitter: { type: 'kinesis', stream: target, endpoint: env.kinesis.endpoint },
  }), { logger: captureLogger() }), all.length);
  const landed = await readStream(env.kinesisClient, target);
  const counts = countIds(landed.map((r) => JSON.parse(r.data) as { id: string }));
  t.is(counts.size, all.length);
  t.true([...counts.values()].every((c) => c === 1));
  t.true(new Set(landed.map((r) => r.shardId)).size > 1, 'spread over the target shards');
  for (const [shardId, lastSeq] of produced.lastSeq) t.is(await redisGet(`${app}:checkpoint:${stream}:${shardId}`), lastSeq);
});

test.serial('postgres emitter: rows upserted by (shard_id, sequence_number); a rerun from scratch changes nothing', async (t) => {
  const stream = uniqueName('to-pg');
  const table = `kc_pipe_${process.pid}_${Date.now()}`;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  t.teardown(async () => {
    await db.query(`DROP TABLE IF EXISTS "${table}"`);
    await db.end();
  });
  await db.query(createTableSql(table, { record_id: 'id', source_shard: 'shard' }));
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('pg', 1200);
  await produce(env.kinesisClient, stream, all);
  const options = testOptions(env, uniqueName('app'), stream, {
    emitter: { type: 'postgres', url: DATABASE_URL, table, columns: { record_id: 'id', source_shard: 'shard' } },
  });
  await runUntilEmitted(new Pipeline(options, { logger: captureLogger() }), all.length);
  const first = await db.query(`SELECT shard_id, sequence_number::text, record_id, source_shard FROM "${table}" ORDER BY 1, 2`);
  t.is(first.rowCount, all.length);
  t.true(first.rows.every((r) => r.shard_id === r.source_shard));
  t.is(new Set(first.rows.map((r) => r.record_id)).size, all.length);

  // A new application reads the stream again from the start: every batch is re-emitted, nothing changes.
  await runUntilEmitted(new Pipeline({ ...options, app: uniqueName('app') }, { logger: captureLogger() }), all.length);
  const second = await db.query(`SELECT shard_id, sequence_number::text, record_id, source_shard FROM "${table}" ORDER BY 1, 2`);
  t.deepEqual(second.rows, first.rows);
});

test.serial('s3-manifest emitter: objects in S3 and each object URL once on the manifest stream', async (t) => {
  const stream = uniqueName('to-manifest');
  const manifest = uniqueName('manifest');
  await createStream(env.kinesisClient, stream, 2);
  await createStream(env.kinesisClient, manifest, 1);
  const all = ids('m', 2000);
  await produce(env.kinesisClient, stream, all);
  await runUntilEmitted(new Pipeline(testOptions(env, uniqueName('app'), stream, {
    emitter: { type: 's3-manifest', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true, manifestStream: manifest },
  }), { logger: captureLogger() }), all.length);
  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.is(counts.size, all.length);
  const urls = (await readStream(env.kinesisClient, manifest)).map((r) => r.data);
  t.true(urls.length >= 4, `${urls.length} manifest entries`);
  t.is(new Set(urls).size, urls.length, 'each URL once in a clean run');
  t.true(urls.every((u) => u.startsWith(`s3://${env.bucket}/${stream}/`)));
  const fromManifest = await Promise.all(urls.map((u) => readRecords(env.s3Client, env.bucket, u.slice(`s3://${env.bucket}/`.length))));
  t.is(fromManifest.flat().length, all.length, 'the manifest lists exactly the objects holding the records');
});
