// The journal of batch boundaries that exactly-once objects need, in both checkpoint stores: what
// is read back, what the checkpoint trims, and (Redis) the lease fence.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { CheckpointStore, CutJournal } from '../src/checkpoint/checkpoint-store.js';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import { ConnectorError, LeaseLostError } from '../src/core/errors.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { REDIS_URL, uniqueName } from './helpers/components.js';

const SHARD = 'shardId-000000000000';

async function behavesAsJournal(t: ExecutionContext, store: CheckpointStore & { cuts: CutJournal }) {
  t.deepEqual(await store.cuts.read(SHARD), [], 'empty at first');
  await store.cuts.add(SHARD, '300');
  await store.cuts.add(SHARD, '1000');
  await store.cuts.add(SHARD, '150');
  await store.cuts.add(SHARD, '300');
  t.deepEqual(await store.cuts.read(SHARD), ['150', '300', '1000'], 'ascending, numerically, once each');
  t.deepEqual(await store.cuts.read('shardId-000000000001'), [], 'shards are separate');
  await store.set(SHARD, '300');
  t.deepEqual(await store.cuts.read(SHARD), ['1000'], 'boundaries at or below the checkpoint are not read');
  await store.cuts.add(SHARD, '200');
  t.deepEqual(await store.cuts.read(SHARD), ['1000'], 'a boundary below the checkpoint is not journaled');
  // Boundaries inside a KPL aggregate: `<seq>.<sub>` sorts after `<seq>` and by its sub-sequence.
  await store.set(SHARD, '2000.3');
  await store.cuts.add(SHARD, '2000.3');
  await store.cuts.add(SHARD, '2000.10');
  await store.cuts.add(SHARD, '2000.4');
  t.deepEqual(await store.cuts.read(SHARD), ['2000.4', '2000.10']);
}

test('RedisCheckpointStore: the journal reads back above the checkpoint, and an add drops what the checkpoint passed', async (t) => {
  const app = uniqueName('app');
  const store = new RedisCheckpointStore({ app, stream: 'clicks', url: REDIS_URL });
  const redis = new Redis(REDIS_URL);
  try {
    await behavesAsJournal(t, store);
    t.deepEqual((await redis.smembers(`${app}:cuts:clicks:${SHARD}`)).sort(), ['2000.10', '2000.4'], 'the set holds only boundaries above the checkpoint');
    await store.set(SHARD, 'SHARD_END');
    t.is(await redis.exists(`${app}:cuts:clicks:${SHARD}`), 0, 'a finished shard keeps no journal');
  } finally {
    redis.disconnect();
    await store.close();
  }
});

test('RedisCheckpointStore: a boundary is refused once the lease is another worker\'s (a stale worker must not cut)', async (t) => {
  const app = uniqueName('app');
  const store = new RedisCheckpointStore({ app, stream: 'clicks', url: REDIS_URL });
  const redis = new Redis(REDIS_URL);
  try {
    await redis.hset(`${app}:lease:clicks:${SHARD}`, 'owner', 'w1', 'token', '3', 'expires', String(Date.now() + 60_000));
    await store.cuts.add(SHARD, '500', { owner: 'w1', token: 3 });
    const err = await t.throwsAsync(store.cuts.add(SHARD, '600', { owner: 'w1', token: 2 }), { instanceOf: LeaseLostError });
    t.regex(err.message, /boundary 600 in .*:cuts:clicks:shardId-000000000000 refused: the lease .* is held by w1 with token 3, not by w1 with token 2/);
    await t.throwsAsync(store.cuts.add(SHARD, '700', { owner: 'w2', token: 3 }), { instanceOf: LeaseLostError });
    t.deepEqual(await store.cuts.read(SHARD), ['500']);
  } finally {
    redis.disconnect();
    await store.close();
  }
});

test('FileCheckpointStore: the journal reads back above the checkpoint and survives a reopen', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-cuts-'));
  try {
    const file = join(dir, 'checkpoints.json');
    const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
    await behavesAsJournal(t, store);
    await store.close();
    const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    t.deepEqual(saved[`app:cuts:clicks:${SHARD}`], ['2000.10', '2000.4'], 'stored beside the checkpoint, trimmed by it');
    const reopened = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
    t.deepEqual(await reopened.cuts.read(SHARD), ['2000.4', '2000.10']);
    t.is(await reopened.get(SHARD), '2000.3');
    await reopened.set(SHARD, '2000.4');
    t.deepEqual(await reopened.cuts.read(SHARD), ['2000.10'], 'a checkpoint drops the boundaries it passed');
    await reopened.set(SHARD, 'SHARD_END');
    await reopened.close();
    const finished = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    t.deepEqual(Object.keys(finished), [`app:checkpoint:clicks:${SHARD}`], 'a finished shard keeps no journal');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a checkpoint store without a journal cannot serve exactly-once objects: the pipeline says so at construction', (t) => {
  const store: CheckpointStore = { get: () => Promise.resolve(null), set: (_id, seq) => Promise.resolve(seq), close: () => Promise.resolve() };
  const options = (exactlyOnce: boolean) => ({ app: 'a', stream: 's', emitter: { type: 'file' as const, dir: join(tmpdir(), 'kc-unused'), exactlyOnce } });
  const err = t.throws(() => new Pipeline(options(true), { checkpointStore: store }), { instanceOf: ConnectorError });
  t.is(err.code, 'EXACTLY_ONCE_UNSUPPORTED');
  t.regex(err.message, /emitter\.exactlyOnce needs a checkpoint store with a journal of batch boundaries/);
  t.notThrows(() => new Pipeline(options(false), { checkpointStore: store }));
});
