// Whole pipelines with Parquet output: Kinesis (kinesalite) → s3 emitter (s3rver), and replay files
// → file emitter; every object read back with parquet-wasm and every record compared.
import test from 'ava';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import { SHARD_END } from '../src/core/sequence.js';
import { WRITE_CHECK_NAME } from '../src/emitters/emitter.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, replayFiles, testOptions } from './helpers/pipeline-options.js';
import { readParquetFile } from './helpers/read-parquet.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** The fields each produced record carries besides its id (the transform adds shard and seq). */
function fields(id: string): Record<string, unknown> {
  const i = Number(id.slice(id.lastIndexOf('-') + 1));
  return {
    n: i, price: i % 4 === 0 ? null : i + 0.5, ok: i % 3 === 0, page: { path: `/p/${i % 7}`, q: [i] },
    ...(i % 5 === 0 ? {} : { note: `héllo ✓ ${i}` }),
  };
}

/** The row a record becomes: inferred types, the nested object as JSON text, missing as null. */
function expectedRow(id: string): Record<string, unknown> {
  const f = fields(id);
  return { id, n: BigInt(f.n as number), price: f.price, ok: f.ok, page: JSON.stringify(f.page), note: f.note ?? null };
}

test.serial('kinesis → s3 with format parquet: every record once, value by value, keys end in .parquet, checkpoints at the end', async (t) => {
  const stream = uniqueName('s3-parquet');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const all = ids('r', 2000);
  const produced = await produce(env.kinesisClient, stream, all, fields);
  const logger = captureLogger();
  const options = testOptions(env, app, stream);
  const pipeline = new Pipeline({ ...options, emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true,
    format: 'parquet' } }, { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= all.length && pipeline.isIdle(300), 90_000, 'all records emitted and committed');
  const stats = await pipeline.stop();
  t.is(stats.recordsEmitted, all.length);
  t.is(stats.restarts, 0);

  const seen = new Map<string, number>();
  let token: string | undefined;
  do {
    const page = await env.s3Client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: `${stream}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key!.endsWith(WRITE_CHECK_NAME)) continue;
      const [, shard] = o.Key!.match(/^[^/]+\/\d{4}\/\d{2}\/\d{2}\/(shardId-\d+)\/\d+-\d+\.parquet$/) ?? [];
      t.truthy(shard, `key layout: ${o.Key}`);
      const obj = await env.s3Client.send(new GetObjectCommand({ Bucket: env.bucket, Key: o.Key! }));
      t.is(obj.ContentType, 'application/vnd.apache.parquet');
      const { rows } = readParquetFile(await obj.Body!.transformToByteArray());
      for (const row of rows) {
        const { shard: rowShard, seq, ...rest } = row;
        t.is(rowShard, shard, 'an object holds one shard');
        t.is(typeof seq, 'string');
        t.deepEqual(rest, expectedRow(row.id as string));
        seen.set(row.id as string, (seen.get(row.id as string) ?? 0) + 1);
      }
    }
    token = page.NextContinuationToken;
  } while (token);
  t.is(seen.size, all.length);
  t.true([...seen.values()].every((c) => c === 1), 'every record once');
  for (const [shardId, lastSeq] of produced.lastSeq) {
    t.is(await redisGet(`${app}:checkpoint:${stream}:${shardId}`), lastSeq, `checkpoint of ${shardId}`);
  }
  t.false(logger.lines.some((l) => l.level === 'error'), 'no errors logged');
});

test.serial('files → file emitter with format parquet and declared columns: every record once, SHARD_END at the end', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-parquet-files-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const n = 1500;
  const line = (id: string) => JSON.stringify({ id, ...fields(id) });
  const { stats, checkpoints } = await replayFiles(dir, { s0: ids('s0', n).map(line), s1: ids('s1', n).map(line) }, {
    buffer: { maxRecords: 400, maxBytes: 1 << 20, maxAgeMs: 100 },
    emitter: { type: 'file', dir: join(dir, 'out'), format: 'parquet',
      parquet: { columns: { id: 'string', n: 'int64', price: 'double', ok: 'boolean', page: 'json', note: 'string', seq: 'string' }, compression: 'zstd' } },
  });
  t.is(stats.recordsEmitted, 2 * n);
  t.deepEqual(checkpoints, { 'replay:checkpoint:files:s0': SHARD_END, 'replay:checkpoint:files:s1': SHARD_END });
  const seen = new Map<string, number>();
  const files = (await readdir(join(dir, 'out'), { recursive: true })).filter((f) => !f.endsWith('/') && /\.parquet$|tmp/.test(f));
  t.true(files.length > 0);
  for (const f of files) {
    t.regex(f, /^\d{4}\/\d{2}\/\d{2}\/s[01]\/\d+-\d+\.parquet$/, 'no temporary files left');
    const { rows, types } = readParquetFile(await readFile(join(dir, 'out', f)));
    t.deepEqual(Object.keys(types), ['id', 'n', 'price', 'ok', 'page', 'note', 'seq'], 'only the declared columns, in order');
    for (const { seq, ...row } of rows) {
      t.deepEqual(row, expectedRow(row.id as string));
      t.regex(seq as string, /^\d+$/);
      seen.set(row.id as string, (seen.get(row.id as string) ?? 0) + 1);
    }
  }
  t.is(seen.size, 2 * n);
  t.true([...seen.values()].every((c) => c === 1), 'every record once');
});

test.serial('a value that does not fit its declared column: the actor fails permanently naming field, shard and sequence number; nothing past it is checkpointed', async (t) => {
  const stream = uniqueName('s3-parquet-bad');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('b', 20), (id) => ({ n: id === 'b-7' ? 'seven' : 1 }));
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true,
      format: 'parquet', parquet: { columns: { id: 'string', n: 'int64' } } },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 1000 },
    restart: { baseMs: 10, maxMs: 20, maxRestarts: 1, windowMs: 60_000, slowRetryMs: 300 },
  }), { logger });
  await pipeline.start();
  await waitFor(() => pipeline.stats().restarts >= 2, 30_000, 'the actor to fail and be restarted');
  await pipeline.stop();
  const failure = logger.lines.find((l) => l.level === 'error' && l.msg.includes('shard actor failed'));
  t.truthy(failure);
  t.regex(String(failure!.fields.error),
    /Parquet: record \d+ of shardId-000000000000 field "n" does not fit column type int64: expected an integer between -\(2\^53 - 1\) and 2\^53 - 1, got "seven"/);
  t.is(failure!.fields.permanent, true);
  t.false(logger.lines.some((l) => l.msg === 'emit failed; retrying'), 'a permanent error spends no emit retries');
  t.is(pipeline.stats().recordsEmitted, 0, 'the one batch holding the record is not stored');
  t.is(await redisGet(`${app}:checkpoint:${stream}:shardId-000000000000`), null);
});
