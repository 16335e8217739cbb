import test from 'ava';
import { SHARD_END } from '../src/core/sequence.js';
import type { ShardInfo } from '../src/sources/shard-source.js';
import { startAt } from '../src/supervisor/start-position.js';

type Entry = { committed: string | null; info: ShardInfo; firstStartedAt?: number };

const topShard = (committed: string | null = null): Entry => ({ committed, info: { shardId: 'shardId-000000000000', closed: false } });
const childShard = (parents: Pick<ShardInfo, 'parentShardId' | 'adjacentParentShardId'>, committed: string | null = null): Entry =>
  ({ committed, info: { shardId: 'shardId-000000000009', closed: false, ...parents } });

const COMMITTED = '49590338271490256608559692538361571095921575989136588898';
const CONFIGURED = ['TRIM_HORIZON', 'LATEST', '2024-05-17T12:00:00Z'];

test('a committed checkpoint resumes after it, whatever was configured, for any shard', (t) => {
  for (const configured of CONFIGURED) {
    for (const entry of [topShard(COMMITTED), childShard({ parentShardId: 'shardId-000000000001' }, COMMITTED)]) {
      t.deepEqual(startAt(entry, configured, 1_000), { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: COMMITTED }, configured);
      t.is(entry.firstStartedAt, undefined);
    }
  }
});

test('a checkpoint inside a KPL aggregate (S.k) resumes AT S, with k for the actor to drop up to', (t) => {
  for (const configured of CONFIGURED) {
    t.deepEqual(startAt(topShard(`${COMMITTED}.17`), configured, 1_000), { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: COMMITTED, subSequenceNumber: 17 }, configured);
    t.deepEqual(startAt(topShard(`${COMMITTED}.0`), configured, 1_000), { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: COMMITTED, subSequenceNumber: 0 }, configured);
  }
});

test('a child shard without a checkpoint is read from TRIM_HORIZON, whatever was configured', (t) => {
  for (const configured of CONFIGURED) {
    t.deepEqual(startAt(childShard({ parentShardId: 'shardId-000000000001' }), configured, 1_000), { type: 'TRIM_HORIZON' }, configured);
    t.deepEqual(startAt(childShard({ adjacentParentShardId: 'shardId-000000000002' }), configured, 1_000), { type: 'TRIM_HORIZON' }, configured);
  }
});

test('LATEST is LATEST at the first start, then AT_TIMESTAMP of that first start on a restart', (t) => {
  const entry = topShard();
  t.deepEqual(startAt(entry, 'LATEST', 1_000), { type: 'LATEST' });
  t.is(entry.firstStartedAt, 1_000);
  t.deepEqual(startAt(entry, 'LATEST', 5_000), { type: 'AT_TIMESTAMP', timestamp: 1_000 });
  t.deepEqual(startAt(entry, 'LATEST', 9_000), { type: 'AT_TIMESTAMP', timestamp: 1_000 });
  t.is(entry.firstStartedAt, 1_000);
  entry.committed = COMMITTED;
  t.deepEqual(startAt(entry, 'LATEST', 12_000), { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: COMMITTED }, 'once committed, the checkpoint rules');
});

test('an ISO timestamp starts AT_TIMESTAMP that instant; TRIM_HORIZON stays TRIM_HORIZON', (t) => {
  t.deepEqual(startAt(topShard(), '2024-05-17T12:00:00Z', 1_000), { type: 'AT_TIMESTAMP', timestamp: Date.UTC(2024, 4, 17, 12) });
  t.deepEqual(startAt(topShard(), '2024-05-17T14:30:00+02:00', 1_000), { type: 'AT_TIMESTAMP', timestamp: Date.UTC(2024, 4, 17, 12, 30) });
  t.deepEqual(startAt(topShard(), 'TRIM_HORIZON', 1_000), { type: 'TRIM_HORIZON' });
});

test('a SHARD_END checkpoint is never turned into AFTER_SEQUENCE_NUMBER', (t) => {
  for (const configured of CONFIGURED) {
    const at = startAt(topShard(SHARD_END), configured, 1_000);
    t.not(at.type, 'AFTER_SEQUENCE_NUMBER', configured);
  }
});
