// Workers as separate processes sharing one stream through Redis leases: an even spread at start,
// and a joining worker that takes its fair share with each shard moving at most once.
import test from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { allStarted, balanced, fleet, isMsg, listShards, loads, Monitor, owners, snapshot, tails, verify } from './helpers/worker-processes.js';

const LEASE = { durationMs: 2000, renewIntervalMs: 500 };

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test.serial('3 workers, 8 shards: within two lease durations each shard has one live owner and each worker 2 or 3', async (t) => {
  const stream = uniqueName('wk-bal');
  const f = await fleet(t, env, uniqueName('app'), stream, { lease: LEASE });
  await createStream(env.kinesisClient, stream, 8);
  const shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  const names = ['w1', 'w2', 'w3'];
  const workers = await Promise.all(names.map((n) => f.start(n)));
  await allStarted(workers);
  const startedAt = Date.now();
  let s = await snapshot(f, shardIds);
  await waitFor(async () => balanced(s = await snapshot(f, shardIds), names, 2, 3), 2 * LEASE.durationMs, 'a balanced spread')
    .catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify([...loads(s)])}\n${tails(workers)}`); });
  const tookMs = Date.now() - startedAt;
  t.log(`balanced ${tookMs} ms after the last worker started: ${JSON.stringify([...loads(s)])}`);
  t.deepEqual([...s.leases.keys()].sort(), [...shardIds].sort());
  for (const [shardId, lease] of s.leases) {
    t.true(lease.owner !== null && names.includes(lease.owner) && lease.expires > s.now, `${shardId} has a live owner: ${JSON.stringify(lease)}`);
  }
  t.deepEqual([...loads(s).values()].sort(), [2, 3, 3]);
  t.deepEqual([...s.workers].sort(), names, 'all three in the workers registry');

  // Each worker reads exactly the shards it holds: produce, then every record lands and is checkpointed.
  const all = ids('b', 800);
  const produced = await produce(env.kinesisClient, stream, all);
  const v = await verify(f, all, produced, 30_000);
  t.deepEqual(v.missing, [], 'every record stored');
  t.deepEqual([...v.behind], [], 'checkpoints at the tail');
  const held = owners(await snapshot(f, shardIds));
  for (const w of workers) {
    const started = new Set(w.find(isMsg('starting shard actor')).map((l) => l.fields.shardId));
    const mine = shardIds.filter((id) => held.get(id) === w.id);
    t.true(mine.every((id) => started.has(id)), `${w.id} started an actor for each shard it holds`);
  }
  for (const w of workers) t.is((await w.stop()).code, 0);
});

test.serial('a 4th worker joining 3 balanced workers on 8 shards gets 2, every worker ends with 2, and each shard moves at most once', async (t) => {
  const stream = uniqueName('wk-join');
  const f = await fleet(t, env, uniqueName('app'), stream, { lease: LEASE });
  await createStream(env.kinesisClient, stream, 8);
  const shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  const first = await Promise.all(['w1', 'w2', 'w3'].map((n) => f.start(n)));
  await allStarted(first);
  await waitFor(async () => balanced(await snapshot(f, shardIds), ['w1', 'w2', 'w3'], 2, 3), 4 * LEASE.durationMs, '3 balanced workers');
  const before = owners(await snapshot(f, shardIds));

  const monitor = new Monitor(f, () => shardIds, 50);
  const joinedAt = Date.now();
  const w4 = await f.start('w4');
  const names = ['w1', 'w2', 'w3', 'w4'];
  await waitFor(() => monitor.latest !== undefined && monitor.latest.now > 0 && balanced(monitor.latest, names, 2, 2), 30_000, '2 shards each')
    .catch((err: Error) => { throw new Error(`${err.message}: ${JSON.stringify([...loads(monitor.latest!)])}\n${tails(f.workers)}`); });
  const balancedMs = Date.now() - joinedAt;
  // Stay a few rounds longer: nothing may move back and forth once balanced.
  await new Promise((r) => setTimeout(r, 3 * LEASE.renewIntervalMs));
  await monitor.stop();

  const moves = monitor.ownerChanges.filter((c) => c.from !== undefined);
  t.log(`w4 had its share ${balancedMs} ms after its start; moves: ${moves.map((m) => `${m.shardId} ${m.from}->${m.to}`).join(', ')}`);
  t.deepEqual([...loads(monitor.latest!).values()], [2, 2, 2, 2]);
  t.is(moves.length, 2, 'two shards changed hands');
  t.true(moves.every((m) => m.to === 'w4' && before.get(m.shardId) === m.from), 'each move is to the newcomer from the first owner');
  const perShard = new Map<string, number>();
  for (const m of moves) perShard.set(m.shardId, (perShard.get(m.shardId) ?? 0) + 1);
  t.true([...perShard.values()].every((n) => n <= 1), 'no shard moved twice');
  t.is(w4.find(isMsg('lease stolen for balance')).length, 2, 'w4 stole its 2 shards');
  for (const w of f.workers) t.is((await w.stop()).code, 0);
});
