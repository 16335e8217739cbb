// The lease scripts against the real Redis, through RedisLeaseStore (and the fenced checkpoint
// write through RedisCheckpointStore): who may take, renew, steal, release and forget a lease,
// and that expiries come from Redis' clock.
import test from 'ava';
import { Redis } from 'ioredis';
import { LeaseLostError } from '../src/core/errors.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import type { RedisLeaseStore } from '../src/checkpoint/redis-lease-store.js';
import { REDIS_URL, uniqueName } from './helpers/components.js';

const LONG = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ctx {
  app: string;
  stream: string;
  store: RedisCheckpointStore;
  leases: RedisLeaseStore;
  redis: Redis;
}

/** A store on a fresh app/stream, a raw connection to look at the keys, and cleanup of both. */
async function withStore(run: (c: Ctx) => Promise<void>, app = uniqueName('lease-app'), stream = uniqueName('s')): Promise<void> {
  const store = new RedisCheckpointStore({ app, stream, url: REDIS_URL });
  const redis = new Redis(REDIS_URL);
  try {
    await run({ app, stream, store, leases: store.leases, redis });
  } finally {
    const keys = await scanAll(redis, `${app.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await store.close();
  }
}

async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function redisNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

const lease = async (leases: RedisLeaseStore, shardId: string) => (await leases.view([shardId])).shards[0];

test('take: a never-taken lease gets token 1; a held one is refused; an expired one is taken with token + 1', async (t) => {
  await withStore(async ({ leases }) => {
    t.is(await leases.take('s-0', 'A', 200, 0), 1);
    t.like(await lease(leases, 's-0'), { owner: 'A', token: 1 });
    t.is(await leases.take('s-0', 'B', LONG, 1), 0, 'held by A (token seen right, not expired)');
    t.is(await leases.take('s-0', 'B', LONG, 1), 0, 'held by another: refused');
    t.like(await lease(leases, 's-0'), { owner: 'A', token: 1 });
    t.is(await leases.take('s-0', 'A', 300, 1), 2, 'held under the taker\'s own id (a restarted worker): taken back, token raised');
    t.like(await lease(leases, 's-0'), { owner: 'A', token: 2 });
    await sleep(400);
    t.is(await leases.take('s-0', 'B', LONG, 2), 3, 'expired: taken, token raised');
    t.like(await lease(leases, 's-0'), { owner: 'B', token: 3 });
  });
});

test('take: a stale seenToken is refused, even on a free lease', async (t) => {
  await withStore(async ({ leases }) => {
    t.is(await leases.take('s-0', 'A', LONG, 0), 1);
    t.is(await leases.release('A', new Map([['s-0', 1]]), false), 1);
    t.like(await lease(leases, 's-0'), { owner: null, token: 1 });
    t.is(await leases.take('s-0', 'B', LONG, 0), 0, 'seen at 0, now at 1');
    t.is(await leases.take('s-0', 'B', LONG, 5), 0, 'a token from the future');
    t.like(await lease(leases, 's-0'), { owner: null, token: 1 });
    t.is(await leases.take('s-0', 'B', LONG, 1), 2);
    t.is(await leases.take('s-1', 'B', LONG, 1), 0, 'never taken: only seenToken 0');
  });
});

test('renew: one call renews every held lease, reports the lost ones; expiries from Redis TIME', async (t) => {
  await withStore(async ({ leases, redis, app, stream }) => {
    for (const id of ['s-0', 's-1', 's-2']) t.is(await leases.take(id, 'A', 1000, 0), 1);
    t.is(await leases.steal('s-1', 'B', LONG, 'A', 1), 2);
    const before = await redisNow(redis);
    const { renewed, view } = await leases.renew('A', 45_000, new Map([['s-0', 1], ['s-1', 1], ['s-2', 1]]), ['s-0', 's-1', 's-2', 's-3']);
    const after = await redisNow(redis);
    t.deepEqual(renewed.lost, ['s-1']);
    t.true(renewed.now >= before && renewed.now <= after, `now ${renewed.now} within Redis TIME [${before}, ${after}]`);
    t.true(view.now >= renewed.now && view.now <= after, 'the view in the same round trip, on Redis\' clock');
    const [s0, s1, s2, s3] = view.shards;
    t.is(s0.expiresAt, renewed.now + 45_000, 'Redis TIME of the renewal + duration');
    t.is(s2.expiresAt, renewed.now + 45_000);
    t.like(s1, { owner: 'B', token: 2 });
    t.true(s1.expiresAt <= before + LONG && s1.expiresAt > renewed.now + 45_000, 'the thief\'s expiry untouched by A');
    t.like(s3, { owner: null, token: 0, expiresAt: 0, checkpoint: null });
    // The heartbeat: the worker's expiry in the registry is the same Redis time + duration.
    t.is(Number(await redis.zscore(`${app}:workers:${stream}`, 'A')), renewed.now + 45_000);
    t.deepEqual(view.workers, [{ id: 'A', expiresAt: renewed.now + 45_000 }]);
    // The stored expiry is Redis' number, not the local clock's.
    t.is(Number(await redis.hget(`${app}:lease:${stream}:s-0`, 'expires')), renewed.now + 45_000);
  });
});

test('renew: a wrong token is lost, even when the owner matches; nothing held renews just the heartbeat', async (t) => {
  await withStore(async ({ leases }) => {
    t.is(await leases.take('s-0', 'A', LONG, 0), 1);
    const wrong = await leases.renew('A', LONG, new Map([['s-0', 7]]), ['s-0']);
    t.deepEqual(wrong.renewed.lost, ['s-0']);
    const none = await leases.renew('C', LONG, new Map(), []);
    t.deepEqual(none.renewed.lost, []);
    t.deepEqual(none.view.shards, []);
    t.deepEqual(none.view.workers.map((w) => w.id).sort(), ['A', 'C'], 'both heartbeats: A\'s renewal registered it though it held nothing');
  });
});

test('steal: only with the right victim and token, never from oneself', async (t) => {
  await withStore(async ({ leases }) => {
    t.is(await leases.take('s-0', 'A', LONG, 0), 1);
    t.is(await leases.steal('s-0', 'B', LONG, 'C', 1), 0, 'wrong victim');
    t.is(await leases.steal('s-0', 'B', LONG, 'A', 0), 0, 'stale token');
    t.is(await leases.steal('s-0', 'B', LONG, 'A', 2), 0, 'token from the future');
    t.is(await leases.steal('s-0', 'A', LONG, 'A', 1), 0, 'from oneself');
    t.like(await lease(leases, 's-0'), { owner: 'A', token: 1 });
    t.is(await leases.steal('s-0', 'B', LONG, 'A', 1), 2);
    t.like(await lease(leases, 's-0'), { owner: 'B', token: 2 });
    t.is(await leases.steal('s-1', 'B', LONG, '', 0), 0, 'a lease never taken is not stolen (take it)');
  });
});

test('steal: two thieves with the same seen token, exactly one wins', async (t) => {
  await withStore(async ({ leases, app, stream }) => {
    const other = new RedisCheckpointStore({ app, stream, url: REDIS_URL });
    try {
      for (let i = 0; i < 10; i++) {
        const id = `s-${i}`;
        t.is(await leases.take(id, 'A', LONG, 0), 1);
        const tokens = await Promise.all([leases.steal(id, 'B', LONG, 'A', 1), other.leases.steal(id, 'C', LONG, 'A', 1)]);
        t.deepEqual(tokens.filter((x) => x !== 0), [2], `shard ${id}: ${tokens.join(', ')}`);
        t.like(await lease(leases, id), { owner: tokens[0] === 2 ? 'B' : 'C', token: 2 });
      }
    } finally {
      await other.close();
    }
  });
});

test('release: only the holder\'s, token kept; leave removes the worker from the registry', async (t) => {
  await withStore(async ({ leases, redis, app, stream }) => {
    const workers = `${app}:workers:${stream}`;
    t.is(await leases.take('s-0', 'A', LONG, 0), 1);
    t.is(await leases.take('s-1', 'A', LONG, 0), 1);
    await leases.renew('A', LONG, new Map([['s-0', 1], ['s-1', 1]]), []);
    t.not(await redis.zscore(workers, 'A'), null);
    t.is(await leases.release('B', new Map([['s-0', 1]]), false), 0, 'not B\'s');
    t.is(await leases.release('A', new Map([['s-0', 2]]), false), 0, 'wrong token');
    t.like(await lease(leases, 's-0'), { owner: 'A', token: 1 });
    t.is(await leases.release('A', new Map([['s-0', 1]]), false), 1);
    t.like(await lease(leases, 's-0'), { owner: null, token: 1, expiresAt: 0 });
    t.not(await redis.zscore(workers, 'A'), null, 'without leave the worker stays registered');
    t.is(await leases.release('A', new Map([['s-0', 1], ['s-1', 1]]), true), 1, 's-0 already released');
    t.like(await lease(leases, 's-1'), { owner: null, token: 1 });
    t.is(await redis.zscore(workers, 'A'), null, 'left the registry');
    t.deepEqual((await leases.view([])).workers, []);
  });
});

test('forget: deletes free and expired leases, keeps a live one', async (t) => {
  await withStore(async ({ leases }) => {
    t.is(await leases.take('free', 'A', LONG, 0), 1);
    t.is(await leases.release('A', new Map([['free', 1]]), false), 1);
    t.is(await leases.take('expired', 'A', 100, 0), 1);
    t.is(await leases.take('live', 'A', LONG, 0), 1);
    await sleep(200);
    t.deepEqual(await leases.leasedShards(), ['expired', 'free', 'live']);
    t.is(await leases.forget(['free', 'expired', 'live', 'never']), 2);
    t.deepEqual(await leases.leasedShards(), ['live']);
    t.like(await lease(leases, 'live'), { owner: 'A', token: 1 });
    t.is(await leases.forget([]), 0);
  });
});

test('view: live workers only, checkpoints included, a missing lease reads as owner null token 0', async (t) => {
  await withStore(async ({ leases, store }) => {
    await leases.renew('short', 100, new Map(), []);
    await leases.renew('long', LONG, new Map(), []);
    t.is(await leases.take('s-0', 'long', LONG, 0), 1);
    t.is(await store.set('s-0', '12345'), '12345');
    t.is(await store.set('s-2', '777'), '777');
    await sleep(200);
    const view = await leases.view(['s-0', 's-1', 's-2']);
    t.deepEqual(view.workers.map((w) => w.id), ['long'], 'the expired heartbeat is not listed');
    t.true(view.workers[0].expiresAt > view.now);
    t.like(view.shards[0], { shardId: 's-0', owner: 'long', token: 1, checkpoint: '12345' });
    t.true(view.shards[0].expiresAt > view.now);
    t.deepEqual(view.shards[1], { shardId: 's-1', owner: null, token: 0, expiresAt: 0, checkpoint: null });
    t.deepEqual(view.shards[2], { shardId: 's-2', owner: null, token: 0, expiresAt: 0, checkpoint: '777' });
  });
});

test('fencing: a checkpoint write is accepted for the holder, refused with LEASE_LOST after a steal or release, never backwards', async (t) => {
  await withStore(async ({ leases, store }) => {
    t.is(await leases.take('s-0', 'A', LONG, 0), 1);
    t.is(await store.set('s-0', '100', { owner: 'A', token: 1 }), '100');
    t.is(await store.set('s-0', '99', { owner: 'A', token: 1 }), '100', 'never backwards, fenced or not');
    t.is(await store.set('s-0', '1000', { owner: 'A', token: 1 }), '1000');

    t.is(await leases.steal('s-0', 'B', LONG, 'A', 1), 2);
    const stolen = await t.throwsAsync(store.set('s-0', '2000', { owner: 'A', token: 1 }), { instanceOf: LeaseLostError });
    t.is(stolen.code, 'LEASE_LOST');
    t.regex(stolen.message, /held by B with token 2, not by A with token 1/);
    t.is(await store.get('s-0'), '1000', 'the refused write left the checkpoint alone');
    await t.throwsAsync(store.set('s-0', '2000', { owner: 'B', token: 1 }), { instanceOf: LeaseLostError }, 'right owner, old token');

    t.is(await store.set('s-0', '1500', { owner: 'B', token: 2 }), '1500');
    t.is(await store.set('s-0', '900', { owner: 'B', token: 2 }), '1500', 'the new holder cannot move it backwards either');

    t.is(await leases.release('B', new Map([['s-0', 2]]), false), 1);
    const released = await t.throwsAsync(store.set('s-0', '1600', { owner: 'B', token: 2 }), { instanceOf: LeaseLostError });
    t.is(released.code, 'LEASE_LOST');
    t.is(await store.get('s-0'), '1500');

    await t.throwsAsync(store.set('s-9', '1', { owner: 'A', token: 1 }), { instanceOf: LeaseLostError }, 'a lease never taken fences too');
    t.is(await store.get('s-9'), null);
  });
});

test('leasedShards lists this app/stream\'s lease keys only', async (t) => {
  const app = uniqueName('lease-app');
  await withStore(async ({ leases, store, app: a, stream }) => {
    await withStore(async ({ leases: otherStream }) => {
      t.is(await leases.take('shardId-000000000001', 'A', LONG, 0), 1);
      t.is(await leases.take('shardId-000000000000', 'A', LONG, 0), 1);
      t.is(await otherStream.take('shardId-000000000009', 'A', LONG, 0), 1);
      await store.set('shardId-000000000005', '1');
      t.deepEqual(await leases.leasedShards(), ['shardId-000000000000', 'shardId-000000000001'], 'no checkpoint keys, no other stream');
      t.deepEqual(await otherStream.leasedShards(), ['shardId-000000000009']);
    }, a, `${stream}-other`);
  }, app);
});

for (const [name, special, lookalike] of [
  ['*', 'x*', 'xyz'],
  ['[', 'x[ab]', 'xa'],
  ['?', 'x?', 'xy'],
  ['\\', 'x\\*', 'x\\yz'],
] as const) {
  test(`leasedShards: an app name with ${name} is matched literally`, async (t) => {
    const base = uniqueName('glob');
    await withStore(async ({ leases }) => {
      await withStore(async ({ leases: lookalikeLeases }) => {
        t.is(await leases.take('mine', 'A', LONG, 0), 1);
        t.is(await lookalikeLeases.take('theirs', 'A', LONG, 0), 1);
        t.deepEqual(await leases.leasedShards(), ['mine']);
        t.deepEqual(await lookalikeLeases.leasedShards(), ['theirs']);
      }, `${base}-${lookalike}`, 'clicks');
    }, `${base}-${special}`, 'clicks');
  });
}

test('leasedShards: a stream name with glob characters is matched literally', async (t) => {
  const app = uniqueName('glob');
  await withStore(async ({ leases }) => {
    await withStore(async ({ leases: lookalike }) => {
      t.is(await leases.take('mine', 'A', LONG, 0), 1);
      t.is(await lookalike.take('theirs', 'A', LONG, 0), 1);
      t.deepEqual(await leases.leasedShards(), ['mine']);
    }, app, 'clicks-a');
  }, app, 'clicks-[ab]');
});
