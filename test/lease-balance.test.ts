// planBalance: which leases a worker takes and steals in a round, from one view.
import test from 'ava';
import type { LeaseState, LeaseView } from '../src/checkpoint/lease-store.js';
import { planBalance, type BalancePlan } from '../src/supervisor/lease-balance.js';

const NOW = 1_000_000;
const LIVE = NOW + 10_000;
const shardIds = (n: number) => Array.from({ length: n }, (_, i) => `s-${i}`);
/** Deterministic: a seeded linear congruential generator. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

function view(workers: string[], shards: LeaseState[]): LeaseView {
  return { now: NOW, workers: workers.map((id) => ({ id, expiresAt: LIVE })), shards };
}

const free = (shardId: string, token = 0): LeaseState => ({ shardId, owner: null, token, expiresAt: 0, checkpoint: null });
const held = (shardId: string, owner: string, token = 1, expiresAt = LIVE): LeaseState => ({ shardId, owner, token, expiresAt, checkpoint: null });

/** Shards handed out in blocks: counts [3, 3, 2] over W0, W1, W2 -> s-0..s-2 to W0 and so on. */
function dealt(counts: number[]): LeaseState[] {
  const shards: LeaseState[] = [];
  counts.forEach((n, w) => {
    for (let i = 0; i < n; i++) shards.push(held(`s-${shards.length}`, `W${w}`));
  });
  return shards;
}

function loads(shards: LeaseState[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of shards) if (s.owner) out[s.owner] = (out[s.owner] ?? 0) + 1;
  return out;
}

/** Applies a plan as the scripts would: a take or steal only when the lease is still as seen. */
function apply(shards: LeaseState[], me: string, plan: BalancePlan, moves: Map<string, number>): number {
  let changed = 0;
  for (const { shardId, seenToken } of plan.take) {
    const s = shards.find((l) => l.shardId === shardId)!;
    if (s.token !== seenToken || (s.owner !== null && s.expiresAt > NOW)) continue;
    Object.assign(s, { owner: me, token: s.token + 1, expiresAt: LIVE });
    moves.set(shardId, (moves.get(shardId) ?? 0) + 1);
    changed++;
  }
  for (const { shardId, victim, seenToken } of plan.steal) {
    const s = shards.find((l) => l.shardId === shardId)!;
    if (s.owner !== victim || s.token !== seenToken || victim === me) continue;
    Object.assign(s, { owner: me, token: s.token + 1, expiresAt: LIVE });
    moves.set(shardId, (moves.get(shardId) ?? 0) + 1);
    changed++;
  }
  return changed;
}

/** Rounds of every worker in turn until a full turn changes nothing; every plan is checked on the way. */
function simulate(t: import('ava').ExecutionContext, workers: string[], shards: LeaseState[], maxSteals: number, order = workers) {
  const moves = new Map<string, number>();
  const candidates = new Set(shards.map((s) => s.shardId));
  const random = seeded(42);
  let turns = 0;
  for (;;) {
    let changed = 0;
    for (const me of order) {
      const plan = planBalance({ me, view: view(workers, structuredClone(shards)), candidates, maxSteals, random });
      t.true(plan.steal.length <= maxSteals, `at most ${maxSteals} steals`);
      t.false(plan.steal.some((s) => s.victim === me), 'never from itself');
      changed += apply(shards, me, plan, moves);
    }
    if (changed === 0) break;
    if (++turns > 50) throw new Error('did not converge');
  }
  return { moves, turns };
}

test('8 free shards, 3 workers: target 3, each takes at most 3', (t) => {
  const shards = shardIds(8).map((id) => free(id));
  const plan = planBalance({ me: 'W0', view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 1, random: () => 0.5 });
  t.is(plan.target, 3);
  t.is(plan.take.length, 3);
  t.deepEqual(plan.steal, []);
  t.true(plan.take.every((x) => x.seenToken === 0));
  t.is(new Set(plan.take.map((x) => x.shardId)).size, 3);
  // The start among the free leases depends on `random` (so that workers seldom race for one lease).
  const first = planBalance({ me: 'W0', view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 1, random: () => 0 });
  t.deepEqual(first.take.map((x) => x.shardId), ['s-0', 's-1', 's-2']);
  const later = planBalance({ me: 'W0', view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 1, random: () => 0.99 });
  t.deepEqual(later.take.map((x) => x.shardId), ['s-7', 's-0', 's-1']);
  // A worker missing from the view (not yet registered) counts itself.
  t.is(planBalance({ me: 'W3', view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 1 }).target, 2);
});

test('a worker holding some takes only up to the target', (t) => {
  const shards = [...dealt([2]), ...shardIds(8).slice(2).map((id) => free(id))];
  const plan = planBalance({ me: 'W0', view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 1, random: seeded(1) });
  t.is(plan.target, 3);
  t.is(plan.take.length, 1);
  t.false(plan.take.some((x) => x.shardId === 's-0' || x.shardId === 's-1'), 'not its own');
});

test('steals only from a worker above target, at most maxSteals, the most loaded first', (t) => {
  const candidates = new Set(shardIds(8));
  // W0: 5, W1: 3, me (W2): 0; target 3.
  const shards = dealt([5, 3]);
  const plan = planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], shards), candidates, maxSteals: 10, random: seeded(3) });
  t.is(plan.target, 3);
  t.deepEqual(plan.take, []);
  t.is(plan.steal.length, 2, 'W0 has 2 above target: not more, although maxSteals allows 10 and W2 needs 3');
  t.true(plan.steal.every((s) => s.victim === 'W0' && s.seenToken === 1));
  t.true(plan.steal.every((s) => ['s-0', 's-1', 's-2', 's-3', 's-4'].includes(s.shardId)));
  t.is(planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], shards), candidates, maxSteals: 1 }).steal.length, 1);
  t.deepEqual(planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], shards), candidates, maxSteals: 0 }).steal, [], 'maxSteals 0: never');
  // Ties between the most loaded: the lowest id, deterministically.
  const tie = planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], dealt([4, 4])), candidates, maxSteals: 1 });
  t.deepEqual(tie.steal.map((s) => s.victim), ['W0']);
  // A worker at the target is not a victim of a thief one below it.
  const atTarget = planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], dealt([3, 3, 2])), candidates: new Set(shardIds(8)), maxSteals: 5 });
  t.is(atTarget.target, 3);
  t.deepEqual(atTarget.steal, []);
});

test('free leases are taken before any steal', (t) => {
  const shards = [...dealt([6]), free('s-6'), free('s-7', 4)];
  const plan = planBalance({ me: 'W1', view: view(['W0', 'W1'], shards), candidates: new Set(shardIds(8)), maxSteals: 5, random: () => 0 });
  t.is(plan.target, 4);
  t.deepEqual(plan.take, [{ shardId: 's-6', seenToken: 0 }, { shardId: 's-7', seenToken: 4 }]);
  t.is(plan.steal.length, 2);
  t.true(plan.steal.every((s) => s.victim === 'W0'));
});

test('[3, 3, 2] over 3 workers is stable: no takes, no steals', (t) => {
  const shards = dealt([3, 3, 2]);
  for (const me of ['W0', 'W1', 'W2']) {
    const plan = planBalance({ me, view: view(['W0', 'W1', 'W2'], shards), candidates: new Set(shardIds(8)), maxSteals: 3, random: seeded(7) });
    t.is(plan.target, 3);
    t.deepEqual(plan.take, [], me);
    t.deepEqual(plan.steal, [], me);
  }
});

test('8 shards on one worker, 3 live: rounds converge to 2-3 each, each shard moving at most once', (t) => {
  for (const maxSteals of [1, 2, 5]) {
    const shards = dealt([8]);
    const { moves } = simulate(t, ['W0', 'W1', 'W2'], shards, maxSteals, ['W1', 'W2', 'W0']);
    const counts = loads(shards);
    t.deepEqual(Object.values(counts).sort(), [2, 3, 3], `maxSteals ${maxSteals}: ${JSON.stringify(counts)}`);
    t.is(counts.W0, 3, 'the first holder keeps its share');
    t.true([...moves.values()].every((n) => n === 1), `each shard moved at most once: ${JSON.stringify([...moves])}`);
    t.is(moves.size, 5);
  }
});

test('a 4th worker joining [3, 3, 2] ends at 2 each, each shard moving at most once', (t) => {
  for (const maxSteals of [1, 3]) {
    const shards = dealt([3, 3, 2]);
    const { moves } = simulate(t, ['W0', 'W1', 'W2', 'W3'], shards, maxSteals, ['W3', 'W0', 'W1', 'W2']);
    t.deepEqual(loads(shards), { W0: 2, W1: 2, W2: 2, W3: 2 });
    t.is(moves.size, 2, 'just the two it needed');
    t.true([...moves.values()].every((n) => n === 1));
    t.false(['s-6', 's-7'].some((id) => moves.has(id)), 'W2 (at target) kept its shards');
  }
});

test('shards that are not candidates (children of unfinished parents) are never taken and do not count', (t) => {
  // s-0 and s-1 are parents; s-2..s-5 their children, not readable yet.
  const shards = shardIds(6).map((id) => free(id));
  const candidates = new Set(['s-0', 's-1']);
  for (let seed = 0; seed < 20; seed++) {
    const plan = planBalance({ me: 'W0', view: view(['W0'], shards), candidates, maxSteals: 5, random: seeded(seed) });
    t.is(plan.target, 2);
    t.deepEqual(plan.take.map((x) => x.shardId).sort(), ['s-0', 's-1']);
  }
  // Nor stolen: W0 holds two children it took before (e.g. by an older view), W1 needs shards.
  const stealView = view(['W0', 'W1'], [held('s-0', 'W0'), held('s-1', 'W0'), held('s-2', 'W0'), held('s-3', 'W0'), free('s-4')]);
  const plan = planBalance({ me: 'W1', view: stealView, candidates: new Set(['s-0', 's-1']), maxSteals: 5, random: seeded(1) });
  t.is(plan.target, 1);
  t.deepEqual(plan.take, []);
  t.is(plan.steal.length, 1);
  t.true(['s-0', 's-1'].includes(plan.steal[0].shardId));
});

test('expired leases count as free, and not as their owner\'s load', (t) => {
  const shards = [held('s-0', 'W9', 3, NOW - 1), held('s-1', 'W9', 5, NOW), held('s-2', 'W0', 2), held('s-3', 'W0', 2)];
  const plan = planBalance({ me: 'W1', view: view(['W0', 'W1'], shards), candidates: new Set(shardIds(4)), maxSteals: 5, random: () => 0 });
  t.is(plan.target, 2);
  t.deepEqual(plan.take, [{ shardId: 's-0', seenToken: 3 }, { shardId: 's-1', seenToken: 5 }], 'an expiry at "now" is expired too');
  t.deepEqual(plan.steal, [], 'W0 at target: nothing to steal');
  // The expired owner is no victim: W9's expired leases do not make it "above target".
  const alone = planBalance({ me: 'W1', view: view(['W1', 'W9'], [held('s-0', 'W9', 1, NOW - 5), held('s-1', 'W9', 1, NOW - 5), held('s-2', 'W9', 1, NOW - 5)]),
    candidates: new Set(shardIds(3)), maxSteals: 5, random: () => 0 });
  t.is(alone.target, 2);
  t.is(alone.take.length, 2);
  t.deepEqual(alone.steal, []);
});

test('a worker two or more below target steals one from a worker at target: 9 shards, a 4th worker joining [3, 3, 3]', (t) => {
  const shards = dealt([3, 3, 3]);
  const { moves } = simulate(t, ['W0', 'W1', 'W2', 'W3'], shards, 1, ['W3', 'W0', 'W1', 'W2']);
  const counts = loads(shards);
  t.is(counts.W3, 2, `the newcomer is not left idle: ${JSON.stringify(counts)}`);
  t.deepEqual(Object.values(counts).sort(), [2, 2, 2, 3]);
  t.true([...moves.values()].every((n) => n === 1), 'each shard moved at most once');
  // One below target (needs one): a worker at target is left alone, so no shard goes back and forth.
  const oneBelow = planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], dealt([3, 3, 2])), candidates: new Set(shardIds(8)), maxSteals: 5 });
  t.deepEqual(oneBelow.steal, []);
  // Two below: one lease from the most loaded worker at target, never more (it would drop below target - 1).
  const twoBelow = planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], dealt([3, 3, 1])), candidates: new Set(shardIds(7)), maxSteals: 5 });
  t.deepEqual(twoBelow.steal.map((s) => s.victim), ['W0']);
  t.deepEqual(planBalance({ me: 'W2', view: view(['W0', 'W1', 'W2'], dealt([3, 3, 1])), candidates: new Set(shardIds(7)), maxSteals: 0 }).steal, [], 'maxSteals 0: never');
});

test('10 shards, 4 workers, from [3, 3, 3, 1] or all on one: every worker ends with 2 or 3', (t) => {
  for (const start of [[3, 3, 3, 1], [10, 0, 0, 0], [0, 0, 0, 10]]) {
    const shards = dealt(start);
    const { moves } = simulate(t, ['W0', 'W1', 'W2', 'W3'], shards, 1);
    const counts = loads(shards);
    t.deepEqual(Object.values(counts).sort(), [2, 2, 3, 3], `from ${start.join(',')}: ${JSON.stringify(counts)}`);
    t.true([...moves.values()].every((n) => n === 1), `from ${start.join(',')}: each shard moved at most once`);
  }
});
