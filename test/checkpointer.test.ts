import test from 'ava';
import type { CheckpointStore } from '../src/checkpoint/checkpoint-store.js';
import { CheckpointError } from '../src/core/errors.js';
import { SHARD_END, compareSequence } from '../src/core/sequence.js';
import { Checkpointer } from '../src/supervisor/checkpointer.js';
import { ShardRegistry, type ShardEntry } from '../src/supervisor/shard-registry.js';
import { capturingLogger, deferred, until, type Deferred } from './helpers/fake-actor-deps.js';

/**
 * A checkpoint store in memory that never moves a checkpoint back. With `hold`, each write waits
 * until the test releases it; it counts the writes in flight per shard.
 */
class MemoryCheckpointStore implements CheckpointStore {
  readonly values = new Map<string, string>();
  readonly writes: Array<{ shardId: string; value: string }> = [];
  readonly held: Array<Deferred<void>> = [];
  private readonly inFlight = new Map<string, number>();
  /** The most writes ever in flight at once for one shard. */
  maxInFlightPerShard = 0;
  /** When set, the next writes reject with it. */
  failWith: Error | null = null;

  constructor(initial: Record<string, string> = {}, private readonly hold = false) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }

  async get(shardId: string): Promise<string | null> {
    return this.values.get(shardId) ?? null;
  }

  async set(shardId: string, sequenceNumber: string): Promise<string> {
    const n = (this.inFlight.get(shardId) ?? 0) + 1;
    this.inFlight.set(shardId, n);
    this.maxInFlightPerShard = Math.max(this.maxInFlightPerShard, n);
    try {
      if (this.hold) {
        const gate = deferred<void>();
        this.held.push(gate);
        await gate.promise;
      }
      if (this.failWith) throw this.failWith;
      this.writes.push({ shardId, value: sequenceNumber });
      const now = this.values.get(shardId);
      if (now === undefined || compareSequence(sequenceNumber, now) > 0) this.values.set(shardId, sequenceNumber);
      return this.values.get(shardId)!;
    } finally {
      this.inFlight.set(shardId, this.inFlight.get(shardId)! - 1);
    }
  }

  async close(): Promise<void> {}
}

async function registryOf(store: CheckpointStore, ...shardIds: string[]): Promise<ShardRegistry> {
  const registry = new ShardRegistry();
  await registry.update(shardIds.map((shardId) => ({ shardId, closed: false })), (id) => store.get(id));
  for (const s of registry.values()) registry.transition(s, 'running');
  return registry;
}

test('commits only positions that moved past the committed one', async (t) => {
  const store = new MemoryCheckpointStore({ 'shardId-b': '500' });
  const registry = await registryOf(store, 'shardId-a', 'shardId-b');
  const finished: string[] = [];
  const cp = new Checkpointer(store, capturingLogger(), (s) => finished.push(s.shardId));
  const all = () => registry.values();
  const a = registry.get('shardId-a')!;
  const b = registry.get('shardId-b')!;

  await cp.commitAll(all);
  t.deepEqual(store.writes, [], 'nothing stored yet, nothing written');

  registry.advance(a, '100');
  registry.advance(b, '500');
  await cp.commitAll(all);
  t.deepEqual(store.writes, [{ shardId: 'shardId-a', value: '100' }], 'b is already committed at 500');
  t.is(a.committed, '100');
  t.true(Checkpointer.upToDate(a) && Checkpointer.upToDate(b));

  await cp.commitAll(all);
  t.is(store.writes.length, 1, 'an unchanged position is not written again');

  registry.advance(a, '1000');
  await cp.commitAll(all);
  t.deepEqual(store.writes.map((w) => w.value), ['100', '1000']);
  t.is(cp.written, 2);
  t.deepEqual(finished, []);
});

test('a SHARD_END commit calls onFinished with the shard', async (t) => {
  const store = new MemoryCheckpointStore();
  const registry = await registryOf(store, 'shardId-a', 'shardId-b');
  const finished: ShardEntry[] = [];
  const cp = new Checkpointer(store, capturingLogger(), (s) => finished.push(s));
  const a = registry.get('shardId-a')!;
  registry.advance(a, '100');
  registry.advance(registry.get('shardId-b')!, '200');
  await cp.commitAll(() => registry.values());
  t.deepEqual(finished, []);

  registry.advance(a, SHARD_END);
  await cp.commitAll(() => registry.values());
  t.deepEqual(finished, [a]);
  t.is(a.committed, SHARD_END);
  t.is(store.values.get('shardId-a'), SHARD_END);
  await cp.commitAll(() => registry.values());
  t.is(finished.length, 1, 'once');
});

test('a failing store is logged, the committed value stays, and the next round retries', async (t) => {
  const store = new MemoryCheckpointStore({ 'shardId-a': '100' });
  const registry = await registryOf(store, 'shardId-a');
  const logger = capturingLogger();
  const finished: string[] = [];
  const cp = new Checkpointer(store, logger, (s) => finished.push(s.shardId));
  const a = registry.get('shardId-a')!;
  registry.advance(a, SHARD_END);
  store.failWith = new CheckpointError('redis is down');

  await t.notThrowsAsync(cp.commitAll(() => registry.values()));
  t.is(a.committed, '100');
  t.is(cp.written, 0);
  t.deepEqual(finished, [], 'a SHARD_END that was not stored finishes nothing');
  const logged = logger.lines.filter((l) => l.level === 'error');
  t.is(logged.length, 1);
  t.is(logged[0].fields.shardId, 'shardId-a');
  t.is(logged[0].fields.checkpoint, SHARD_END);
  t.true(String(logged[0].fields.error).includes('redis is down'));
  t.false(Checkpointer.upToDate(a));

  store.failWith = null;
  await cp.commitAll(() => registry.values());
  t.is(a.committed, SHARD_END);
  t.deepEqual(finished, ['shardId-a']);
});

test('concurrent commitAll calls are serialised: never two writes for one shard in flight', async (t) => {
  const store = new MemoryCheckpointStore({}, true);
  const registry = await registryOf(store, 'shardId-a', 'shardId-b');
  const cp = new Checkpointer(store, capturingLogger(), () => {});
  const a = registry.get('shardId-a')!;
  const b = registry.get('shardId-b')!;
  const all = () => registry.values();

  registry.advance(a, '100');
  registry.advance(b, '100');
  const rounds = [cp.commitAll(all)];
  registry.advance(a, '200');
  rounds.push(cp.commitAll(all));
  registry.advance(a, '300');
  registry.advance(b, '300');
  rounds.push(cp.commitAll(all));

  let settled = 0;
  for (const r of rounds) void r.then(() => settled++);
  // Release writes one at a time as they arrive, checking that no second round started early.
  let released = 0;
  while (settled < rounds.length) {
    await until(() => store.held.length > released || settled === rounds.length, 'a write or the end of the rounds');
    if (store.held.length > released) store.held[released++].resolve();
  }
  t.is(store.maxInFlightPerShard, 1);
  t.deepEqual([a.committed, b.committed], ['300', '300']);
  // The first round wrote 100 for both; the next call's round found 300 by the time it ran; the last had nothing left.
  t.deepEqual(store.writes.filter((w) => w.shardId === 'shardId-a').map((w) => w.value), ['100', '300']);
  t.deepEqual(store.writes.filter((w) => w.shardId === 'shardId-b').map((w) => w.value), ['100', '300']);
});

test('a commit of one shard during a round waits for the round\'s write of it, and the same position is not written twice', async (t) => {
  const store = new MemoryCheckpointStore({}, true);
  const registry = await registryOf(store, 'shardId-a');
  const cp = new Checkpointer(store, capturingLogger(), () => {});
  const a = registry.get('shardId-a')!;
  registry.advance(a, '100');
  const round = cp.commitAll(() => registry.values());
  const restartCommit = cp.commit(a); // as the supervisor does before restarting a failed actor
  await until(() => store.held.length === 1, 'the round\'s write');
  t.is(store.maxInFlightPerShard, 1);
  store.held[0].resolve();
  await Promise.all([round, restartCommit]);
  t.is(store.held.length, 1, 'the second commit found the position committed and wrote nothing');
  t.deepEqual(store.writes.map((w) => w.value), ['100']);
  t.is(cp.written, 1);
});
