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

/** A temporary folder, removed when the test ends. */
async function tempDir(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-cp-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

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
  const dir = await tempDir(t);
  const file = join(dir, 'sub', 'checkpoints.json');
  const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
  await behavesAsStore(t, store);
  await store.close();
  const reopened = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
  t.is(await reopened.get('shardId-000000000000'), SHARD_END);
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { 'app:checkpoint:clicks:shardId-000000000000': SHARD_END });
});

test('FileCheckpointStore: a corrupt file is an error naming it', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'checkpoints.json');
  await import('node:fs/promises').then((fs) => fs.writeFile(file, '{not json'));
  const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
  const err = await t.throwsAsync(store.get('shardId-000000000000'), { instanceOf: CheckpointError });
  t.true(err.message.includes(file));
});

test('FileCheckpointStore: 1,000 shards set at once all land, in a round that takes milliseconds, and survive a reopen', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'checkpoints.json');
  const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
  const shard = (i: number) => `shardId-${String(i).padStart(12, '0')}`;
  const startedAt = performance.now();
  const stored = await Promise.all(Array.from({ length: 1000 }, (_, i) => store.set(shard(i), String(1000 + i))));
  // Changes made while a write is under way go into the next write: not 1,000 file writes and fsyncs.
  t.log(`1,000 concurrent sets in ${(performance.now() - startedAt).toFixed(0)} ms`);
  t.deepEqual(stored, Array.from({ length: 1000 }, (_, i) => String(1000 + i)));
  await store.close();
  const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  t.is(Object.keys(saved).length, 1000);
  t.is(saved[`app:checkpoint:clicks:${shard(999)}`], '1999');
});

test('FileCheckpointStore: a write that fails fails the changes it carried, changes nothing in memory, and the next write goes on', async (t) => {
  const dir = await tempDir(t);
  const folder = join(dir, 'sub');
  const file = join(folder, 'checkpoints.json');
  const store = new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
  t.is(await store.set('shardId-000000000000', '100'), '100');
  // A plain file where the folder was: the temporary file cannot be written.
  await rm(folder, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.writeFile(folder, 'not a folder'));
  const failed = await Promise.allSettled([store.set('shardId-000000000000', '200'), store.set('shardId-000000000001', '5')]);
  t.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected']);
  t.true(failed.every((r) => r.status === 'rejected' && r.reason instanceof CheckpointError && (r.reason as Error).message.includes(file)));
  t.is(await store.get('shardId-000000000000'), '100', 'not reported as stored');
  t.is(await store.get('shardId-000000000001'), null);
  await rm(folder);
  await import('node:fs/promises').then((fs) => fs.mkdir(folder));
  t.is(await store.set('shardId-000000000001', '6'), '6');
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { 'app:checkpoint:clicks:shardId-000000000000': '100', 'app:checkpoint:clicks:shardId-000000000001': '6' });
  await store.close();
});
