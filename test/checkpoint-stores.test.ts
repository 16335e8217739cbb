import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError } from '../src/core/errors.js';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import { SHARD_END, compareSequence } from '../src/core/sequence.js';
import type { CheckpointStore } from '../src/checkpoint/checkpoint-store.js';
import { REDIS_URL, redisGet, uniqueName } from './helpers/components.js';

test('sequence numbers compare numerically, SHARD_END last', (t) => {
  t.true(compareSequence('9', '10') < 0);
  t.true(compareSequence('49590338271490256608559692538361571095921575989136588898', '49590338271490256608559692538361571095921575989136588899') < 0);
  t.true(compareSequence('100', '99') > 0);
  t.is(compareSequence('5', '5'), 0);
  t.true(compareSequence(SHARD_END, '99999999999999999999') > 0);
});

async function behavesAsStore(t: import('ava').ExecutionContext, store: CheckpointStore) {
  t.is(await store.get('shardId-000000000000'), null);
  t.is(await store.set('shardId-000000000000', '200'), '200');
  t.is(await store.set('shardId-000000000000', '1000'), '1000');
  t.is(await store.set('shardId-000000000000', '999'), '1000', 'never backwards');
  t.is(await store.get('shardId-000000000000'), '1000');
  t.is(await store.set('shardId-000000000000', SHARD_END), SHARD_END);
  t.is(await store.set('shardId-000000000000', '5000'), SHARD_END, 'nothing after SHARD_END');
  t.is(await store.get('shardId-000000000001'), null, 'shards are separate');
}

test('RedisCheckpointStore: the original key, forward only, SHARD_END', async (t) => {
  const app = uniqueName('app');
  const store = new RedisCheckpointStore({ app, stream: 'clicks', url: REDIS_URL });
  try {
    await behavesAsStore(t, store);
    t.is(await redisGet(`${app}:checkpoint:clicks:shardId-000000000000`), SHARD_END);
  } finally {
    await store.close();
  }
});

test('RedisCheckpointStore: an unreachable Redis is an error naming it, not "no checkpoint"', async (t) => {
  const store = new RedisCheckpointStore({ app: 'a', stream: 's', url: 'redis://:hunter2@127.0.0.1:1' });
  try {
    const err = await t.throwsAsync(store.get('shardId-000000000000'), { instanceOf: CheckpointError });
    t.regex(err.message, /reading checkpoint a:checkpoint:s:shardId-000000000000 from Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    t.notRegex(err.message, /hunter2/);
  } finally {
    await store.close();
  }
});

test('FileCheckpointStore: forward only, survives a reopen, same keys', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-cp-'));
  try {
    const file = join(dir, 'sub', 'checkpoints.json');
    const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
    await behavesAsStore(t, store);
    await store.close();
    const reopened = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
    t.is(await reopened.get('shardId-000000000000'), SHARD_END);
    t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { 'app:checkpoint:clicks:shardId-000000000000': SHARD_END });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('FileCheckpointStore: a corrupt file is an error naming it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-cp-'));
  try {
    const file = join(dir, 'checkpoints.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{not json'));
    const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
    const err = await t.throwsAsync(store.get('shardId-000000000000'), { instanceOf: CheckpointError });
    t.true(err.message.includes(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
