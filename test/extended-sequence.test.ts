// Extended sequence numbers (<seq>.<sub> of KPL user records): one order, in compareSequence, in the
// Redis checkpoint script (through a real Redis) and in the file store; and the validator.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { confinedKey, confinedPath } from '../src/core/confined-path.js';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import type { CheckpointStore } from '../src/checkpoint/checkpoint-store.js';
import {
  SHARD_END, compareSequence, isCheckpointValue, isExtendedSequenceNumber, isSequenceNumber, splitSequence,
} from '../src/core/sequence.js';
import { REDIS_URL, uniqueName } from './helpers/components.js';

const BIG = '49590338271490256608559692538361571095921575989136588898';
/** Ascending, as the order must be. */
const ASCENDING = ['0', '0.0', '9', '9.0', '9.1', '9.2', '9.10', '9.11', '10', '10.0', '10.9', '10.10', '99.999999999',
  BIG, `${BIG}.0`, `${BIG}.3`, `${BIG}.30`, '49590338271490256608559692538361571095921575989136588899', SHARD_END];

test('compareSequence: by the number, then the sub-sequence number; S before S.0; SHARD_END last', (t) => {
  for (let i = 0; i < ASCENDING.length; i++) {
    for (let j = 0; j < ASCENDING.length; j++) {
      t.is(Math.sign(compareSequence(ASCENDING[i], ASCENDING[j])), Math.sign(i - j), `${ASCENDING[i]} vs ${ASCENDING[j]}`);
    }
  }
  const shuffled = [...ASCENDING].sort((a, b) => (a.length * 7 + b.charCodeAt(0)) % 3 - 1);
  t.deepEqual(shuffled.sort(compareSequence), ASCENDING);
});

test('the validator takes Kinesis numbers with an optional .<sub>, nothing else', (t) => {
  for (const ok of ['0', '1', BIG, `${BIG}.0`, `${BIG}.123456789`, '5.0']) t.true(isExtendedSequenceNumber(ok), ok);
  for (const bad of ['', '.', '5.', '.5', '05', '5.05', '5.1.2', '5 .1', '-5', '5.1234567890', 'SHARD_END', `${BIG}/..`, 5]) {
    t.false(isExtendedSequenceNumber(bad), String(bad));
  }
  t.false(isSequenceNumber('5.1'), 'Kinesis itself never gives a sub-sequence number');
  t.true(isCheckpointValue(SHARD_END));
  t.true(isCheckpointValue('5.1'));
  t.deepEqual(splitSequence(`${BIG}.7`), { sequenceNumber: BIG, subSequenceNumber: 7 });
  t.deepEqual(splitSequence(BIG), { sequenceNumber: BIG, subSequenceNumber: null });
});

/** Every ordered pair (a then b) on a fresh shard: the store keeps the greater, as compareSequence says. */
async function ordersAsCompareSequence(t: import('ava').ExecutionContext, store: CheckpointStore, values: string[]) {
  let shard = 0;
  for (const a of values) {
    for (const b of values) {
      const id = `shardId-${String(shard++).padStart(12, '0')}`;
      await store.set(id, a);
      const expected = compareSequence(b, a) > 0 ? b : a;
      t.is(await store.set(id, b), expected, `${a} then ${b}`);
      t.is(await store.get(id), expected);
    }
  }
}

test('the Redis checkpoint script orders extended sequence numbers as compareSequence does', async (t) => {
  const store = new RedisCheckpointStore({ app: uniqueName('app'), stream: 'kpl', url: REDIS_URL });
  try {
    await ordersAsCompareSequence(t, store, ASCENDING);
    const err = await t.throwsAsync(store.set('shardId-000000000999', '5.x'));
    t.is((err as Error & { code: string }).code, 'BAD_CHECKPOINT');
    t.is(await store.get('shardId-000000000999'), null, 'nothing written');
  } finally {
    await store.close();
  }
});

test('the file checkpoint store orders extended sequence numbers as compareSequence does', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-seq-'));
  const store = new FileCheckpointStore({ app: 'app', stream: 'kpl', file: join(dir, 'checkpoints.json') });
  try {
    await ordersAsCompareSequence(t, store, ['9', '9.0', '9.2', '9.10', '10', `${BIG}.3`, `${BIG}.30`, SHARD_END]);
    const err = await t.throwsAsync(store.set('shardId-000000000999', '9.01'));
    t.regex(err.message, /refusing to write the checkpoint "9\.01"/);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('object keys and file names of a batch inside an aggregate (firstSeq-lastSeq with dots) are accepted', (t) => {
  const name = `${BIG}.3-${BIG}.30`;
  t.is(confinedKey('out/', 'shardId-000000000000', name), `out/shardId-000000000000/${name}`);
  t.is(confinedPath(tmpdir(), 'shardId-000000000000', `${name}.ndjson`), join(tmpdir(), 'shardId-000000000000', `${name}.ndjson`));
});
