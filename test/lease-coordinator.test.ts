// LeaseCoordinator over the real RedisLeaseStore: two coordinators in one process on one stream.
import test from 'ava';
import { Redis } from 'ioredis';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import type { LeaseView } from '../src/checkpoint/lease-store.js';
import { silentLogger } from '../src/core/logger.js';
import { LeaseCoordinator, type LeaseOptions, type LeaseRoundInput } from '../src/supervisor/lease-coordinator.js';
import { REDIS_URL, uniqueName } from './helpers/components.js';

const SHARDS = ['s-0', 's-1', 's-2', 's-3'];
const input = (shardIds = SHARDS): () => LeaseRoundInput => () => ({ shardIds, candidates: new Set(shardIds) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Recorded { acquired: string[]; lost: Array<[string, string]>; views: LeaseView[] }

function coordinator(store: RedisCheckpointStore, id: string, options: Partial<LeaseOptions> = {}) {
  const events: Recorded = { acquired: [], lost: [], views: [] };
  const c = new LeaseCoordinator(store.leases, id, { durationMs: 60_000, renewIntervalMs: 20_000, maxStealsPerInterval: 1, ...options }, silentLogger, {
    acquired: (shardId) => events.acquired.push(shardId),
    lost: (shardId, reason) => events.lost.push([shardId, reason]),
    viewed: (view) => events.views.push(view),
  });
  return { c, events };
}

async function withStores(run: (a: RedisCheckpointStore, b: RedisCheckpointStore) => Promise<void>): Promise<void> {
  const app = uniqueName('coord-app');
  const stream = uniqueName('s');
  const a = new RedisCheckpointStore({ app, stream, url: REDIS_URL });
  const b = new RedisCheckpointStore({ app, stream, url: REDIS_URL });
  try {
    await run(a, b);
  } finally {
    await a.close();
    await b.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${app}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

test('first round takes the free leases; a second coordinator steals to balance; the first loses at its next round', async (t) => {
  await withStores(async (storeA, storeB) => {
    const A = coordinator(storeA, 'A');
    const B = coordinator(storeB, 'B', { maxStealsPerInterval: 2 });

    await A.c.round(input());
    t.deepEqual(A.c.owned(), SHARDS, 'alone: every shard');
    t.deepEqual(A.events.acquired.sort(), SHARDS);
    t.is(A.c.counts.taken, 4);
    t.deepEqual(A.c.fence('s-0'), { owner: 'A', token: 1 });
    t.is(A.events.views.length, 1);
    t.deepEqual(A.events.views[0].workers.map((w) => w.id), ['A']);

    await B.c.round(input());
    t.is(B.c.owned().length, 2, 'B steals up to its share (target 2)');
    t.is(B.c.counts.stolen, 2);
    t.is(B.c.counts.taken, 0);
    const stolen = B.c.owned();
    for (const id of stolen) t.deepEqual(B.c.fence(id), { owner: 'B', token: 2 });
    t.deepEqual(A.c.owned(), SHARDS, 'A does not know yet');
    t.deepEqual(A.events.lost, []);

    await A.c.round(input());
    t.deepEqual(A.events.lost.map(([id]) => id).sort(), stolen);
    t.true(A.events.lost.every(([, reason]) => /taken by another worker/.test(reason)));
    t.deepEqual(A.c.owned(), SHARDS.filter((id) => !stolen.includes(id)));
    t.is(A.c.counts.lost, 2);
    for (const id of stolen) {
      t.false(A.c.owns(id));
      t.is(A.c.fence(id), undefined);
    }

    // Balanced: further rounds of both change nothing.
    await B.c.round(input());
    await A.c.round(input());
    t.is(A.c.owned().length, 2);
    t.is(B.c.owned().length, 2);
    t.is(A.c.counts.lost, 2);
  });
});

test('maxStealsPerInterval 1: the newcomer takes one lease per round', async (t) => {
  await withStores(async (storeA, storeB) => {
    const A = coordinator(storeA, 'A');
    const B = coordinator(storeB, 'B', { maxStealsPerInterval: 1 });
    await A.c.round(input());
    await B.c.round(input());
    t.is(B.c.owned().length, 1);
    await B.c.round(input());
    t.is(B.c.owned().length, 2);
    await B.c.round(input());
    t.is(B.c.owned().length, 2, 'at its share: no more');
    await A.c.round(input());
    t.is(A.events.lost.length, 2);
  });
});

test('releaseAll frees the leases and leaves the registry; a round of the other takes them', async (t) => {
  await withStores(async (storeA, storeB) => {
    const A = coordinator(storeA, 'A');
    const B = coordinator(storeB, 'B', { maxStealsPerInterval: 2 });
    await A.c.round(input());
    await B.c.round(input());
    await A.c.round(input());
    const aHeld = A.c.owned();
    t.is(aHeld.length, 2);

    await A.c.halt();
    await A.c.releaseAll();
    t.deepEqual(A.c.owned(), []);
    t.is(A.c.counts.released, 2);
    const view = await storeB.leases.view(SHARDS);
    t.deepEqual(view.workers.map((w) => w.id), ['B'], 'A left the registry');
    for (const id of aHeld) t.like(view.shards.find((s) => s.shardId === id), { owner: null, token: 1 });

    await B.c.round(input());
    t.deepEqual(B.c.owned(), SHARDS);
    t.is(B.c.counts.taken, 2, 'taken as free leases, not stolen');
    for (const id of aHeld) t.deepEqual(B.c.fence(id), { owner: 'B', token: 2 });

    // A halted coordinator runs no more rounds.
    await A.c.round(input());
    t.deepEqual(A.c.owned(), []);
    t.is(A.events.acquired.length, 4);
  });
});

test('release of one lease (a finished shard) frees it for the other worker', async (t) => {
  await withStores(async (storeA, storeB) => {
    const A = coordinator(storeA, 'A');
    await A.c.round(input(['s-0']));
    t.deepEqual(A.c.owned(), ['s-0']);
    await A.c.release('s-0');
    t.deepEqual(A.c.owned(), []);
    t.is(A.c.counts.released, 1);
    await A.c.release('s-0');
    t.is(A.c.counts.released, 1, 'releasing a lease not held does nothing');
    const B = coordinator(storeB, 'B');
    await B.c.round(input(['s-0']));
    t.true(B.c.owns('s-0'));
  });
});

test('a round whose renewal fails for longer than durationMs loses every held lease', async (t) => {
  await withStores(async (storeA) => {
    // Long enough that the first round's takes, on a loaded machine, end well within it.
    const durationMs = 1500;
    const A = coordinator(storeA, 'A', { durationMs, renewIntervalMs: 100 });
    await A.c.round(input());
    t.deepEqual(A.c.owned(), SHARDS);

    await storeA.close(); // every call to the store fails from now on
    await A.c.round(input());
    t.is(A.c.counts.failedRounds, 1);
    t.deepEqual(A.c.owned(), SHARDS, 'a failure within durationMs keeps the leases (they are still A\'s)');
    t.deepEqual(A.events.lost, []);

    await sleep(durationMs + 100);
    await A.c.round(input());
    t.is(A.c.counts.failedRounds, 2);
    t.deepEqual(A.c.owned(), []);
    t.deepEqual(A.events.lost.map(([id]) => id).sort(), SHARDS);
    t.true(A.events.lost.every(([, reason]) => /could not be renewed for \d+ ms \(lease\.durationMs 1500\)/.test(reason)), A.events.lost[0]?.[1]);
    t.is(A.c.counts.lost, 4);
  });
});

test('an unreachable store: rounds fail, nothing is taken, nothing is lost until something was held', async (t) => {
  const store = new RedisCheckpointStore({ app: uniqueName('coord-app'), stream: 's', url: 'redis://127.0.0.1:1' });
  try {
    const A = coordinator(store, 'A', { durationMs: 100, renewIntervalMs: 50 });
    await A.c.round(input());
    await sleep(150);
    await A.c.round(input());
    t.is(A.c.counts.failedRounds, 2);
    t.is(A.c.counts.rounds, 0);
    t.deepEqual(A.c.owned(), []);
    t.deepEqual(A.events.lost, []);
    t.deepEqual(A.events.views, []);
  } finally {
    await store.close();
  }
});

test('a round asked for while one runs shares it', async (t) => {
  await withStores(async (storeA) => {
    const A = coordinator(storeA, 'A');
    const first = A.c.round(input());
    const second = A.c.round(input());
    await Promise.all([first, second]);
    t.is(A.c.counts.rounds, 1);
    t.is(A.c.counts.taken, 4);
  });
});
