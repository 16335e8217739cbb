// A batch with partitions is written as one object per partition (s3 against the in-process S3,
// file on disk); a failure of any fails the attempt, and the next attempt writes the same keys
// with the same bodies; the batch is acknowledged only when all are written.
import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../src/aws/s3-client.js';
import { FileEmitter } from '../src/emitters/file/file-emitter.js';
import { S3Emitter } from '../src/emitters/s3/s3-emitter.js';
import { OBJECT_WRITES_AT_ONCE } from '../src/emitters/batch-objects.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';
import { readObjects, startEnv, uniqueName, type Env } from './helpers/components.js';
import { forward, readBody } from './helpers/http-forward.js';
import { createServer } from 'node:http';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const sq = seqs(6);
const batch = () => ({ ...makeBatch(['{"t":"a","i":0}', '{"t":"b","i":1}', '{"t":"a","i":2}', '{"t":"c","i":3}', '{"t":"b","i":4}', '{"t":"a","i":5}'], sq),
  partitions: ['a', 'b', 'c'], partitionOf: Uint32Array.from([0, 1, 0, 2, 1, 0]) });

test('file: a failed object fails the attempt; the retry writes every object again under the same names', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-partitioned-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const emitter = new FileEmitter({ dir, key: 't={field:t}/{shardId}/{firstSeq}-{lastSeq}' });
  const blocked = join(dir, 't=b', 'shardId-000000000000', `${sq[1]}-${sq[4]}`);
  await mkdir(blocked, { recursive: true });
  await writeFile(join(blocked, 'in-the-way'), 'x');
  const err = await t.throwsAsync(emitter.emit(batch()));
  t.regex(err.message, /^writing batch file .*t=b\/shardId-000000000000\/\d+-\d+ failed/);
  await rm(blocked, { recursive: true });
  const { location } = await emitter.emit(batch());
  t.is(location, `${join(dir, 't=a', 'shardId-000000000000', `${sq[0]}-${sq[5]}`)} (+2 more)`);
  const read = (p: string, first: number, last: number) => readFile(join(dir, `t=${p}`, 'shardId-000000000000', `${sq[first]}-${sq[last]}`), 'utf8');
  t.is(await read('a', 0, 5), '{"t":"a","i":0}\n{"t":"a","i":2}\n{"t":"a","i":5}\n');
  t.is(await read('b', 1, 4), '{"t":"b","i":1}\n{"t":"b","i":4}\n');
  t.is(await read('c', 3, 3), '{"t":"c","i":3}\n');
});

test('s3: one object per partition (gzipped here), the same keys when written again', async (t) => {
  const prefix = `${uniqueName('partitioned')}/`;
  const make = () => new S3Emitter({ client: createS3Client({ region: 'us-east-1', endpoint: env.s3.endpoint, forcePathStyle: true }),
    bucket: env.bucket, prefix, gzip: true, key: '{field:t}/{shardId}/{firstSeq}' });
  const emitter = make();
  t.teardown(() => emitter.close());
  const first = await emitter.emit(batch());
  const second = await emitter.emit(batch());
  t.is(first.location, `s3://${env.bucket}/${prefix}a/shardId-000000000000/${sq[0]}.gz (+2 more)`);
  t.is(second.location, first.location);
  const objects = await readObjects(env.s3Client, env.bucket, prefix);
  t.deepEqual(objects.map((o) => [o.key, o.lines.length]).sort(), [
    [`${prefix}a/shardId-000000000000/${sq[0]}.gz`, 3], [`${prefix}b/shardId-000000000000/${sq[1]}.gz`, 2], [`${prefix}c/shardId-000000000000/${sq[3]}.gz`, 1]]);
});

/** A proxy in front of S3 that holds each PUT for `delayMs` and counts how many are held at once. */
async function countingProxy(t: import('ava').ExecutionContext, target: string, delayMs: number) {
  const upstream = new URL(target);
  const counts = { inFlight: 0, max: 0, puts: 0 };
  const server = createServer((req, res) => {
    const put = req.method === 'PUT';
    if (put) {
      counts.puts++;
      counts.max = Math.max(counts.max, ++counts.inFlight);
    }
    readBody(req).then(async (body) => {
      if (put) await new Promise((r) => setTimeout(r, delayMs));
      const answer = await forward(upstream, req.method ?? 'GET', req.url ?? '/', req.headers, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    }).catch((err: unknown) => res.destroy(err as Error)).finally(() => {
      if (put) counts.inFlight--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, counts };
}

test('s3: many partitions are all written, OBJECT_WRITES_AT_ONCE at a time', async (t) => {
  const prefix = `${uniqueName('partitioned-many')}/`;
  const proxy = await countingProxy(t, env.s3.endpoint, 200);
  const emitter = new S3Emitter({ client: createS3Client({ region: 'us-east-1', endpoint: proxy.endpoint, forcePathStyle: true }),
    bucket: env.bucket, prefix, key: 'p={field:t}/{shardId}-{firstSeq}-{lastSeq}' });
  t.teardown(() => emitter.close());
  const n = OBJECT_WRITES_AT_ONCE * 3 + 1;
  const s = seqs(n);
  const lines = s.map((_, i) => JSON.stringify({ t: `v${i}` }));
  const { location } = await emitter.emit({ ...makeBatch(lines, s), partitions: lines.map((_, i) => `v${i}`), partitionOf: Uint32Array.from(s.map((_, i) => i)) });
  t.is(location, `s3://${env.bucket}/${prefix}p=v0/shardId-000000000000-${s[0]}-${s[0]} (+${n - 1} more)`);
  t.is(proxy.counts.puts, n);
  t.is(proxy.counts.max, OBJECT_WRITES_AT_ONCE, 'concurrent, and never more than the bound');
  const objects = await readObjects(env.s3Client, env.bucket, prefix);
  t.is(objects.length, n);
  t.true(objects.every((o) => o.lines.length === 1 && o.key.includes(`p=${(JSON.parse(o.lines[0]) as { t: string }).t}/`)));
});
