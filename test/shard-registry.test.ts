import test from 'ava';
import { ConnectorError } from '../src/core/errors.js';
import { SHARD_END } from '../src/core/sequence.js';
import type { ShardInfo } from '../src/sources/shard-source.js';
import { ShardRegistry, TRANSITIONS, type ShardEntry, type ShardState } from '../src/supervisor/shard-registry.js';

/** Every state, listed once: the compiler rejects this object if a state is missing or unknown. */
const STATE_SET = { waiting: true, running: true, restarting: true, finished: true } satisfies Record<ShardState, true>;
const STATES = Object.keys(STATE_SET) as ShardState[];

/** The machine as the module documents it. */
const DOCUMENTED: Record<ShardState, ShardState[]> = {
  waiting: ['running', 'finished'],
  running: ['restarting', 'finished', 'waiting'],
  restarting: ['running', 'finished', 'waiting'],
  finished: [],
};

const shard = (shardId: string, parents: { parent?: string; adjacent?: string } = {}, closed = false): ShardInfo =>
  ({ shardId, parentShardId: parents.parent, adjacentParentShardId: parents.adjacent, closed });

const noCheckpoints = async () => null;

/** The moves from `waiting` that reach `state`, following the table (breadth first). */
function pathTo(state: ShardState): ShardState[] {
  const queue: Array<{ at: ShardState; path: ShardState[] }> = [{ at: 'waiting', path: [] }];
  const seen = new Set<ShardState>(['waiting']);
  while (queue.length > 0) {
    const { at, path } = queue.shift()!;
    if (at === state) return path;
    for (const next of TRANSITIONS[at]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push({ at: next, path: [...path, next] });
      }
    }
  }
  throw new Error(`${state} cannot be reached from waiting`);
}

/** A registry holding one shard, moved into `state` through allowed transitions. */
async function shardIn(state: ShardState): Promise<{ registry: ShardRegistry; entry: ShardEntry }> {
  const registry = new ShardRegistry();
  await registry.update([shard('shardId-000000000000')], noCheckpoints);
  const entry = registry.get('shardId-000000000000')!;
  for (const next of pathTo(state)) registry.transition(entry, next);
  if (entry.state !== state) throw new Error(`could not put a shard in ${state}`);
  return { registry, entry };
}

test('the transition table is the documented machine, over every state', (t) => {
  t.deepEqual(Object.keys(TRANSITIONS).sort(), [...STATES].sort());
  for (const from of STATES) t.deepEqual([...TRANSITIONS[from]].sort(), [...DOCUMENTED[from]].sort(), `moves from ${from}`);
  t.deepEqual(Object.keys(new ShardRegistry().counts()).filter((k) => k !== 'total').sort(), [...STATES].sort());
});

for (const from of STATES) {
  for (const to of STATES) {
    if (TRANSITIONS[from].includes(to)) {
      test(`${from} → ${to} is allowed`, async (t) => {
        const { registry, entry } = await shardIn(from);
        registry.transition(entry, to);
        t.is(entry.state, to);
        t.is(registry.counts()[to], 1);
      });
    } else {
      test(`${from} → ${to} throws INVALID_TRANSITION and leaves the state alone`, async (t) => {
        const { registry, entry } = await shardIn(from);
        const err = t.throws(() => registry.transition(entry, to), { instanceOf: ConnectorError });
        t.is((err).code, 'INVALID_TRANSITION');
        t.true(err.message.includes(entry.shardId) && err.message.includes(from) && err.message.includes(to), err.message);
        t.is(entry.state, from);
      });
    }
  }
}

test('update adds new shards (finished when their checkpoint is SHARD_END) and keeps known ones as they are', async (t) => {
  const registry = new ShardRegistry();
  const read: string[] = [];
  const checkpoints: Record<string, string | null> = { 'shardId-a': SHARD_END, 'shardId-b': '4959', 'shardId-c': null };
  const readCheckpoint = async (id: string) => { read.push(id); return checkpoints[id] ?? null; };
  await registry.update([shard('shardId-a'), shard('shardId-b'), shard('shardId-c')], readCheckpoint);
  t.deepEqual([...registry.values()].map((s) => [s.shardId, s.state, s.committed]),
    [['shardId-a', 'finished', SHARD_END], ['shardId-b', 'waiting', '4959'], ['shardId-c', 'waiting', null]]);

  const b = registry.get('shardId-b')!;
  registry.transition(b, 'running');
  await registry.update([shard('shardId-a'), shard('shardId-b', {}, true), shard('shardId-c'), shard('shardId-d')], readCheckpoint);
  t.is(b.state, 'running', 'a known shard keeps its state');
  t.true(b.info.closed, 'its info is refreshed');
  t.deepEqual(read, ['shardId-a', 'shardId-b', 'shardId-c', 'shardId-d'], 'checkpoints are read once, for new shards');
  t.is(registry.size, 4);
});

test('startable holds children back until every listed parent is finished', async (t) => {
  const registry = new ShardRegistry();
  const list = [
    shard('shardId-p', {}, true), shard('shardId-q', {}, true),
    shard('shardId-split-1', { parent: 'shardId-p' }), shard('shardId-split-2', { parent: 'shardId-p' }),
    shard('shardId-merged', { parent: 'shardId-p', adjacent: 'shardId-q' }),
  ];
  await registry.update(list, noCheckpoints);
  const ids = () => registry.startable().map((s) => s.shardId);
  t.deepEqual(ids(), ['shardId-p', 'shardId-q']);

  const p = registry.get('shardId-p')!;
  const q = registry.get('shardId-q')!;
  registry.transition(p, 'running');
  registry.transition(q, 'running');
  t.deepEqual(ids(), []);

  registry.transition(p, 'finished');
  t.deepEqual(ids(), ['shardId-split-1', 'shardId-split-2'], 'the merged child still waits for its adjacent parent');
  registry.transition(q, 'restarting');
  t.deepEqual(ids(), ['shardId-split-1', 'shardId-split-2']);
  registry.transition(q, 'finished');
  t.deepEqual(ids(), ['shardId-split-1', 'shardId-split-2', 'shardId-merged']);
});

test('startable lets a child go once its parent is no longer listed', async (t) => {
  const registry = new ShardRegistry();
  await registry.update([shard('shardId-p', {}, true), shard('shardId-child', { parent: 'shardId-p' })], noCheckpoints);
  registry.transition(registry.get('shardId-p')!, 'running');
  t.deepEqual(registry.startable().map((s) => s.shardId), []);
  // The parent aged out of the stream's retention: it is no longer listed.
  await registry.update([shard('shardId-child', { parent: 'shardId-p' })], noCheckpoints);
  t.deepEqual(registry.startable().map((s) => s.shardId), ['shardId-child']);

  const fresh = new ShardRegistry();
  await fresh.update([shard('shardId-orphan', { parent: 'shardId-gone', adjacent: 'shardId-also-gone' })], noCheckpoints);
  t.deepEqual(fresh.startable().map((s) => s.shardId), ['shardId-orphan'], 'parents never listed do not hold a child back');
});

test('advance compares sequence numbers as numbers, never moves back, and SHARD_END wins', async (t) => {
  const { registry, entry } = await shardIn('running');
  registry.advance(entry, null);
  t.is(entry.position, null);
  registry.advance(entry, '999');
  t.is(entry.position, '999');
  registry.advance(entry, '1000');
  t.is(entry.position, '1000', 'a longer number is larger even though "1000" < "999" as text');
  registry.advance(entry, '999');
  t.is(entry.position, '1000', 'an older position changes nothing');
  registry.advance(entry, null);
  t.is(entry.position, '1000');
  registry.advance(entry, '49590338271490256608559692538361571095921575989136588898');
  t.is(entry.position, '49590338271490256608559692538361571095921575989136588898');
  registry.advance(entry, '49590338271490256608559692538361571095921575989136588897');
  t.is(entry.position, '49590338271490256608559692538361571095921575989136588898');
  // Inside a KPL aggregate: by the number, then the sub-sequence number.
  const big = '49590338271490256608559692538361571095921575989136588898';
  registry.advance(entry, `${big}.2`);
  t.is(entry.position, `${big}.2`, 'S.2 is after S');
  registry.advance(entry, `${big}.10`);
  t.is(entry.position, `${big}.10`, 'S.10 is after S.2 (numbers, not text)');
  registry.advance(entry, `${big}.9`);
  t.is(entry.position, `${big}.10`);
  registry.advance(entry, big);
  t.is(entry.position, `${big}.10`, 'the plain S is before any S.k');
  registry.advance(entry, '49590338271490256608559692538361571095921575989136588899');
  t.is(entry.position, '49590338271490256608559692538361571095921575989136588899');
  registry.advance(entry, SHARD_END);
  t.is(entry.position, SHARD_END);
  registry.advance(entry, '9'.repeat(128));
  t.is(entry.position, SHARD_END);
});
