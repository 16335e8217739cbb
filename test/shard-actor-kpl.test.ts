// The shard actor's intake of KPL aggregates, over the in-process fakes of shard-actor.test.ts
// (aggregates made by aws-kinesis-agg): ordering of a corrupt aggregate's dead letter against the
// batches around it, resuming inside an aggregate, and plain responses passing untouched.
import test from 'ava';
import { partitionKeyOf } from '../src/core/records.js';
import type { SourceRecord } from '../src/core/records.js';
import { RecordIntake } from '../src/actors/record-intake.js';
import { response, seq, settle, shardRecords, startActor, until } from './helpers/fake-actor-deps.js';
import { aggregate } from './helpers/kpl-producer.js';

/** An aggregate at shard position `i` of `n` user records `{"u":k}` with partition keys `user-k`. */
function aggregateAt(i: number, n: number, corrupt = false): SourceRecord {
  const agg = aggregate(Array.from({ length: n }, (_, k) => ({ partitionKey: `user-${k}`, data: Buffer.from(JSON.stringify({ u: k })) })));
  if (corrupt) agg.data[6] ^= 0x40;
  return { data: agg.data, sequenceNumber: seq(i), partitionKey: agg.partitionKey, arrival: 1_700_000_000_000 + i };
}

test('a corrupt aggregate is dead-lettered after the batch before it was cut, and the position passes it only once that batch is stored', async (t) => {
  const a = await startActor(t, {
    script: [response([...shardRecords(0, 2), aggregateAt(2, 5, true), aggregateAt(3, 3), ...shardRecords(4, 1)])],
    holdEmits: true,
  });
  await until(() => a.deadLetter.entries.length === 1, 'the corrupt aggregate was dead-lettered');
  t.deepEqual(a.deadLetter.emitsBeforeWrite, [1], 'the records before it went to the emitter first');
  t.deepEqual(a.emitter.calls[0].seqs, [seq(0), seq(1)]);
  const [entry] = a.deadLetter.entries;
  t.is(entry.sequenceNumber, seq(2));
  t.is(entry.error.name, 'KplAggregateError');
  t.regex(entry.error.message, /^MD5 mismatch/);
  t.is(a.actor.stats.deadLettered, 1);
  await settle(30);
  t.is(a.actor.position, null, 'nothing is checkpointed while the batch before it is not stored');

  a.emitter.calls[0].store();
  await until(() => a.actor.position === seq(2), 'the position moved past the corrupt aggregate');
  const stopped = a.actor.stop();
  await until(() => a.emitter.calls.length === 2, 'the rest was flushed');
  t.deepEqual(a.emitter.calls[1].seqs, [`${seq(3)}.0`, `${seq(3)}.1`, `${seq(3)}.2`, seq(4)]);
  a.emitter.calls[1].store();
  await stopped;
  t.is(a.actor.position, seq(4));
  t.is(a.logger.lines.filter((l) => l.level === 'warn').length, 1, 'one warning');
  t.is(a.actor.stats.read, 2 + 1 + 3 + 1);
});

test('resuming AT_SEQUENCE_NUMBER S with sub-sequence k drops the user records of S up to k, and only those', async (t) => {
  const a = await startActor(t, {
    startAt: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(3), subSequenceNumber: 1 },
    script: [response([aggregateAt(3, 4), ...shardRecords(4, 1)]), response([aggregateAt(5, 2)])],
    buffer: { maxRecords: 1 },
  });
  await until(() => a.emitter.seqs.length === 5, 'every record after the checkpoint was emitted');
  t.deepEqual(a.emitter.seqs, [`${seq(3)}.2`, `${seq(3)}.3`, seq(4), `${seq(5)}.0`, `${seq(5)}.1`]);
  const w = a.transform.calls[0].window;
  t.deepEqual([0, 1, 2].map((i) => partitionKeyOf(w, i)), ['user-2', 'user-3', 'pk-4'], 'each user record has its own partition key');
});

test('the intake hands a response without aggregates back as it is, and everything as it is when off', (t) => {
  const plain = shardRecords(0, 100);
  t.is(new RecordIntake(true, { type: 'TRIM_HORIZON' }).take(plain).records, plain, 'the same array: no copy');
  const mixed = [...shardRecords(0, 1), aggregateAt(1, 3)];
  t.is(new RecordIntake(false, { type: 'TRIM_HORIZON' }).take(mixed).records, mixed);
  t.is(new RecordIntake(true, { type: 'TRIM_HORIZON' }).take(mixed).records.length, 4);
});
