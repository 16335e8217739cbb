// ShardActor specs over in-process fakes (see helpers/fake-actor-deps.ts): the test decides when
// each read, transform and emit finishes, so ordering, backpressure, drain and failure rules are
// checked exactly, without threads, emulators or sleeps.
import test from 'ava';
import { alignedWait, defaultMaxIdlePollMs } from '../src/actors/idle-polls.js';
import { ConnectorError, EmitError } from '../src/core/errors.js';
import { SHARD_END } from '../src/core/sequence.js';
import type { ReadResult } from '../src/sources/shard-source.js';
import {
  SHARD_ID, deferred, fixtureModule, response, seq, settle, shardRecords, startActor, track, until,
} from './helpers/fake-actor-deps.js';

/** Sequence numbers of records `from .. from+n-1`. */
const seqs = (from: number, n: number) => Array.from({ length: n }, (_, k) => seq(from + k));
/** What the identity transform makes of record `i`: its bytes. */
const line = (i: number) => JSON.stringify({ n: i });

test('transform results that come back out of order are applied in shard order', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 6))],
    transform: { windowRecords: 2, windowsInFlight: 4 },
    buffer: { maxRecords: 2 },
    holdTransforms: true,
  });
  await until(() => a.transform.calls.length === 3, 'three windows are in the pool');
  t.deepEqual(a.transform.calls.map((c) => c.seqs), [seqs(0, 2), seqs(2, 2), seqs(4, 2)]);

  a.transform.calls[2].release();
  a.transform.calls[1].release();
  await settle();
  t.is(a.emitter.calls.length, 0, 'later windows wait for the first one');
  t.is(a.actor.position, null);

  a.transform.calls[0].release();
  await until(() => a.emitter.calls.length === 3, 'every window reached the emitter');
  t.deepEqual(a.emitter.calls.map((c) => c.seqs), [seqs(0, 2), seqs(2, 2), seqs(4, 2)]);
  t.deepEqual(a.emitter.calls.map((c) => [c.batch.firstSeq, c.batch.lastSeq]), [[seq(0), seq(1)], [seq(2), seq(3)], [seq(4), seq(5)]]);
  t.deepEqual(a.emitter.lines, [0, 1, 2, 3, 4, 5].map(line));
  await until(() => a.actor.position === seq(5), 'every batch is stored');
});

test('emits that finish out of order move the position only past batches with no gap below them', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 4))],
    buffer: { maxRecords: 1 },
    holdEmits: true,
  });
  await until(() => a.emitter.calls.length === 4, 'four batches were handed to the emitter');
  const after: Array<string | null> = [];
  for (const b of [2, 0, 3, 1]) {
    a.emitter.calls[b].store();
    await until(() => a.progress.length === after.length + 1, `batch ${b} was reported stored`);
    after.push(a.actor.position);
  }
  t.deepEqual(after, [null, seq(0), seq(0), seq(3)]);
  t.deepEqual(a.positions(), [null, seq(0), seq(0), seq(3)], 'never past a gap, never backwards');
  // Each report describes the batch whose acknowledgement caused it.
  t.deepEqual(a.progress.map((p) => p.emitted?.location), [2, 0, 3, 1].map((b) => `memory://${SHARD_ID}/${seq(b)}-${seq(b)}`));
  t.true(a.progress.every((p) => p.type === 'progress' && p.shardId === SHARD_ID && p.generation === 7));
});

test('with maxBytesInFlight reached the actor reads no further until the pending emit is stored', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 2)), response(shardRecords(2, 2)), response(shardRecords(4, 2))],
    reader: { maxBytesInFlight: 1 },
    buffer: { maxRecords: 2 },
    holdEmits: true,
  });
  await until(() => a.emitter.calls.length >= 1, 'the first batch is being emitted');
  await settle(50);
  // The actor reads one response ahead of the one it is cutting into windows, and no more.
  t.is(a.source.reads, 2);
  t.is(a.transform.calls.length, 1);
  t.is(a.emitter.calls.length, 1);

  a.emitter.calls[0].store();
  await until(() => a.emitter.calls.length >= 2, 'the second response went through');
  await settle(50);
  t.is(a.source.reads, 3);
  t.is(a.transform.calls.length, 2);
  t.is(a.emitter.calls.length, 2);

  a.emitter.calls[1].store();
  await until(() => a.emitter.calls.length === 3, 'the third response went through');
  t.deepEqual(a.emitter.seqs, seqs(0, 6));
});

test('transform.windowsInFlight bounds the windows in the pool', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 5))],
    transform: { windowRecords: 1, windowsInFlight: 2 },
    holdTransforms: true,
  });
  await until(() => a.transform.calls.length >= 2, 'two windows are in the pool');
  await settle(50);
  t.is(a.transform.calls.length, 2, 'the third window waits');

  a.transform.calls[0].release();
  await until(() => a.transform.calls.length >= 3, 'a window left the pool and the next one went in');
  await settle(50);
  t.is(a.transform.calls.length, 3);

  a.transform.calls[1].release();
  a.transform.calls[2].release();
  await until(() => a.transform.calls.length === 5, 'every window was dispatched');
  a.transform.calls[3].release();
  a.transform.calls[4].release();
  await a.actor.stop();
  t.is(a.transform.maxPending, 2);
  t.deepEqual(a.transform.calls.map((c) => c.seqs), seqs(0, 5).map((s) => [s]));
  t.deepEqual(a.emitter.seqs, seqs(0, 5));
});

test('an emit that fails fails the actor: nothing is reported after it and the position never covers it', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 4))],
    buffer: { maxRecords: 1 },
    holdEmits: true,
  });
  await until(() => a.emitter.calls.length === 4, 'four batches were handed to the emitter');
  a.emitter.calls[0].store();
  a.emitter.calls[2].store();
  await until(() => a.progress.length === 2, 'batches 0 and 2 were reported');
  t.is(a.actor.position, seq(0));

  const refused = new EmitError('the sink refused batch 1', { retriable: false });
  a.emitter.calls[1].refuse(refused);
  const err = await t.throwsAsync(a.run.promise);
  t.is(err, refused);

  a.emitter.calls[3].store();
  await settle(20);
  t.deepEqual(a.positions(), [seq(0), seq(0)], 'nothing is reported after the failure');
  t.is(a.actor.position, seq(0), 'neither the failed batch nor batches after it are covered');
  await until(() => a.source.closed, 'the reader was closed');
});

test('a window whose transform rejects fails the actor with TRANSFORM_FAILED naming the shard and the range', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 4))],
    transform: { windowRecords: 2 },
    buffer: { maxRecords: 2 },
    holdTransforms: true,
  });
  await until(() => a.transform.calls.length === 2, 'two windows are in the pool');
  a.transform.calls[0].release();
  await until(() => a.actor.position === seq(1), 'the first window is stored');

  a.transform.calls[1].fail(new Error('the pool thread died'));
  const err = await t.throwsAsync(a.run.promise);
  t.true(err instanceof ConnectorError);
  t.is((err as ConnectorError).code, 'TRANSFORM_FAILED');
  t.true(err.message.includes(SHARD_ID), err.message);
  t.true(err.message.includes(`${seq(2)}..${seq(3)}`), err.message);
  t.true(err.message.includes('the pool thread died'), err.message);
  t.is((err.cause as Error).message, 'the pool thread died');
  t.deepEqual(a.emitter.seqs, seqs(0, 2), 'nothing of the failed window is emitted');
  t.is(a.actor.position, seq(1));
});

test('stop() waits for windows in flight and emits, flushes the partial buffer, and the position covers all read', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 5))],
    transform: { windowRecords: 2 },
    holdTransforms: true,
    holdEmits: true,
    startAt: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(-1) },
  });
  t.deepEqual(a.source.opened, [{ shardId: SHARD_ID, startAt: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: seq(-1) } }]);
  await until(() => a.transform.calls.length === 3, 'three windows are in the pool');
  const stopping = track(a.actor.stop());
  await settle();
  t.false(stopping.done, 'stop waits for the windows');

  for (const c of a.transform.calls) c.release();
  await until(() => a.emitter.calls.length === 1, 'the partial buffer was flushed');
  await settle();
  t.false(stopping.done, 'stop waits for the emit');
  t.is(a.actor.position, null);
  t.true(a.actor.busy);

  a.emitter.calls[0].store();
  await stopping.promise;
  t.true(a.run.done);
  t.is(a.run.error, undefined);
  t.deepEqual(a.emitter.calls[0].seqs, seqs(0, 5));
  t.is(a.actor.position, seq(4));
  t.deepEqual(a.positions(), [seq(4)]);
  t.false(a.actor.busy);
  t.true(a.source.closed);
});

test('records of a response not yet dispatched when stopping are not covered', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 6))],
    transform: { windowRecords: 2, windowsInFlight: 1 },
    holdTransforms: true,
  });
  await until(() => a.transform.calls.length >= 1, 'the first window is in the pool');
  await settle();
  t.is(a.transform.calls.length, 1, 'the rest of the response waits for room in the pool');

  const stopping = a.actor.stop();
  for (const c of a.transform.calls) c.release();
  await stopping;
  t.is(a.transform.calls.length, 1, 'nothing was dispatched after stop()');
  t.deepEqual(a.emitter.seqs, seqs(0, 2));
  t.is(a.actor.position, seq(1));
  t.deepEqual(a.positions(), [seq(1)]);
});

// Stopping while the last response of a closed shard is only partly dispatched must not report
// SHARD_END: the records never dispatched would be skipped for good.
test('stopping inside the last response of a closed shard covers only what was dispatched', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 6), true)],
    transform: { windowRecords: 2, windowsInFlight: 1 },
    holdTransforms: true,
  });
  await until(() => a.transform.calls.length === 1, 'the first window is in the pool');
  await settle();

  const stopping = a.actor.stop();
  a.transform.calls[0].release();
  await stopping;
  t.deepEqual(a.emitter.seqs, seqs(0, 2), 'only the first window was emitted');
  t.false(a.positions().includes(SHARD_END), 'records 2..5 were never emitted, so the shard is not finished');
  t.is(a.actor.position, seq(1));
});

// The last response of a closed shard that arrives after stop() is not dispatched at all, so it
// is not covered either.
test('a closed shard\'s last response that arrives after stop() is not covered', async (t) => {
  const lastRead = deferred<ReadResult>();
  const a = await startActor(t, { script: [lastRead] });
  await until(() => a.source.reads === 1, 'the read is in flight');
  const stopping = a.actor.stop();
  lastRead.resolve(response(shardRecords(0, 3), true));
  await stopping;
  t.is(a.transform.calls.length, 0, 'nothing is dispatched once stopping');
  t.deepEqual(a.positions(), [], 'nothing was stored, so nothing is reported');
  t.is(a.actor.position, null);
});

test('a closed shard read to its end reports SHARD_END once everything is stored, and not before', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 3)), response(shardRecords(3, 2), true)],
    buffer: { maxRecords: 2 },
    holdEmits: true,
  });
  await until(() => a.emitter.calls.length === 3, 'the last partial batch was flushed at the end of the shard');
  a.emitter.calls[0].store();
  a.emitter.calls[2].store();
  await settle(20);
  t.false(a.run.done);
  t.false(a.positions().includes(SHARD_END));
  t.is(a.actor.position, seq(1));

  a.emitter.calls[1].store();
  await a.run.promise;
  t.deepEqual(a.positions(), [seq(1), seq(1), seq(4), SHARD_END]);
  t.is(a.actor.position, SHARD_END);
  t.deepEqual(a.emitter.seqs, seqs(0, 5));
  t.is(a.source.reads, 2, 'nothing is read after the end');
  t.true(a.source.closed);
});

test('a window whose records are all filtered out is never sent to the emitter, yet moves the position', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 2)), response(shardRecords(2, 3, () => ({ drop: true })))],
    buffer: { maxRecords: 2 },
    transformModule: fixtureModule('transform-tag.js'),
    holdEmits: true,
  });
  await until(() => a.transform.calls.length === 2 && a.emitter.calls.length === 1, 'both windows were dispatched');
  const stopping = track(a.actor.stop());
  await settle(20);
  t.false(stopping.done);
  t.is(a.actor.position, null, 'the empty batch waits behind the pending one');
  t.deepEqual(a.progress, []);

  for (const c of a.emitter.calls) c.store();
  await stopping.promise;
  t.is(a.emitter.calls.length, 1, 'the empty batch never reached the emitter');
  t.deepEqual(a.emitter.lines.map((l) => JSON.parse(l) as unknown), [0, 1].map((n) => ({ n, shard: SHARD_ID, seq: seq(n) })));
  t.is(a.actor.position, seq(4));
  t.deepEqual(a.progress.map((p) => [p.position, p.emitted?.count]), [[seq(4), 2]]);
  t.is(a.actor.stats.filtered, 3);
});

test('records whose transform threw are dead-lettered with sequence number and partition key; the position moves past them', async (t) => {
  const poison = new Set([1, 3]);
  const a = await startActor(t, {
    script: [response(shardRecords(0, 4, (i) => ({ id: `r${i}`, ...(poison.has(i) ? { poison: true } : {}) })))],
    buffer: { maxRecords: 1 },
    transformModule: fixtureModule('transform-throws.js'),
  });
  await until(() => a.deadLetter.entries.length === 2, 'the poison records were dead-lettered');
  await a.actor.stop();

  const { entries } = a.deadLetter;
  t.deepEqual(entries.map((e) => [e.shardId, e.sequenceNumber, e.partitionKey]), [[SHARD_ID, seq(1), 'pk-1'], [SHARD_ID, seq(3), 'pk-3']]);
  t.deepEqual(JSON.parse(Buffer.from(entries[0].dataBase64, 'base64').toString()), { n: 1, id: 'r1', poison: true });
  t.deepEqual([entries[0].error.name, entries[0].error.message], ['RangeError', 'poison record r1']);
  t.deepEqual(a.deadLetter.emitsBeforeWrite, [0], 'written before any batch of the window was emitted');
  t.deepEqual(a.emitter.seqs, [seq(0), seq(2)]);
  t.is(a.actor.position, seq(3), 'the trailing poison record is covered too');
  t.is(a.actor.stats.deadLettered, 2);
  t.true(a.logger.lines.some((l) => l.level === 'warn' && l.fields.count === 2 && l.fields.firstSequenceNumber === seq(1)));
});

test('caughtUp: false until an answer is empty with MillisBehindLatest 0, or the closed shard ended', async (t) => {
  const answers = [deferred<ReadResult>(), deferred<ReadResult>(), deferred<ReadResult>(), deferred<ReadResult>()];
  const a = await startActor(t, { script: answers });
  await until(() => a.source.reads === 1, 'the first read');
  t.false(a.actor.stats.caughtUp, 'not while the first read is in flight');
  answers[0].resolve({ records: shardRecords(0, 3), millisBehindLatest: 0, ended: false });
  await until(() => a.source.reads === 2, 'the read after a response with records');
  t.false(a.actor.stats.caughtUp, 'records with MillisBehindLatest 0: the next answer tells whether more is left');
  answers[1].resolve({ records: [], millisBehindLatest: 4000, ended: false });
  await until(() => a.source.reads === 3, 'the next poll');
  t.false(a.actor.stats.caughtUp, 'empty but behind the tip');
  t.is(a.actor.stats.millisBehindLatest, 4000);
  answers[2].resolve({ records: [], millisBehindLatest: 0, ended: false });
  await until(() => a.source.reads === 4, 'a poll at the tip');
  t.true(a.actor.stats.caughtUp, 'empty at the tip');
  answers[3].resolve({ records: [], millisBehindLatest: 12_000, ended: true });
  await a.run.promise;
  t.true(a.actor.stats.caughtUp, 'the closed shard ended');
});

test('a partial batch goes out when it comes of age (buffer.maxAgeMs after its first record), then again for the next one', async (t) => {
  const next = deferred<ReadResult>();
  // Taken before the actor starts, so before its first record is buffered and its age begins.
  const t0 = Date.now();
  const a = await startActor(t, {
    script: [response(shardRecords(0, 3)), next],
    buffer: { maxRecords: 100, maxAgeMs: 60 },
  });
  await until(() => a.transform.calls.length === 1, 'the window is in the pool');
  while (a.emitter.calls.length === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 5));
  // Not before it is of age: a timer never fires early (checked from below, so a busy machine's
  // late timers cannot fail it; a sleep of 20 ms then "not yet" could, when the sleep ran long).
  const flushedAfterMs = Date.now() - t0;
  t.true(flushedAfterMs >= 60 - 2, `flushed ${flushedAfterMs} ms after the actor started, at least buffer.maxAgeMs (60)`);
  t.is(a.emitter.calls.length, 1, 'flushed on age');
  t.deepEqual(a.emitter.calls[0].seqs, seqs(0, 3));
  next.resolve(response(shardRecords(3, 2)));
  while (a.emitter.calls.length === 1 && Date.now() - t0 < 4000) await new Promise((r) => setTimeout(r, 5));
  t.deepEqual(a.emitter.calls.map((c) => c.seqs), [seqs(0, 3), seqs(3, 2)], 'the next partial batch ages on its own timer');
  await until(() => a.actor.position === seq(4), 'both stored');
});

test('idle waits of a second or more end on the clock\'s grid of a tenth of them (rounded down to 100 ms); shorter ones are kept', (t) => {
  t.is(alignedWait(500, 12_345), 500);
  t.is(alignedWait(999, 12_345), 999);
  t.is(alignedWait(1000, 12_345), 1055, 'ends at 13,400: a multiple of 100 ms');
  t.is(alignedWait(10_000, 12_345), 10_655, 'ends at 23,000: a multiple of 1 s');
  t.is(alignedWait(1000, 12_000), 1000, 'already on the grid');
  const off: string[] = [];
  for (const ms of [1000, 1500, 4000, 10_000, 30_000]) {
    for (let now = 1_700_000_000_000; now < 1_700_000_000_000 + 5000; now += 37) {
      const w = alignedWait(ms, now);
      const grid = Math.floor(ms / 1000) * 100;
      if (w < ms || w >= ms + grid || (now + w) % grid !== 0) off.push(`alignedWait(${ms}, ${now}) = ${w}`);
    }
  }
  t.deepEqual(off, [], 'never shorter, longer by less than the grid, ending on it');
});

test('reader.maxIdlePollIntervalMs unset: the idle backoff follows the shards of the process (10 ms each, within pollIntervalMs .. 30 s)', async (t) => {
  t.is(defaultMaxIdlePollMs(1000, 4), 1000, 'a few shards: no backoff');
  t.is(defaultMaxIdlePollMs(1000, 100), 1000);
  t.is(defaultMaxIdlePollMs(1000, 1000), 10_000, '1,000 shards: about 100 idle polls a second');
  t.is(defaultMaxIdlePollMs(1000, 10_000), 30_000, 'at most 30 s');
  t.is(defaultMaxIdlePollMs(60_000, 5000), 60_000, 'never below pollIntervalMs');
  const empty = () => ({ records: [], millisBehindLatest: 0, ended: false });
  // 12 shards: a longest wait of 120 ms; 1 shard: 10 ms, below the poll interval, so none. A timer
  // never fires early, so each gap is at least its wait; a busy machine only adds to it, so the
  // upper bound is the sum, against what waits doubling without a cap would add up to (1,240 ms).
  for (const [shards, expected] of [[12, [40, 80, 120, 120, 120]], [1, [40, 40, 40, 40, 40]]] as const) {
    const script = Array.from({ length: expected.length }, () => empty());
    const a = await startActor(t, { script, reader: { pollIntervalMs: 40, maxIdlePollIntervalMs: undefined }, shardsInProcess: shards });
    for (const t0 = Date.now(); a.source.reads < script.length + 1 && Date.now() - t0 < 4000;) await new Promise((r) => setTimeout(r, 10));
    const times = a.source.readAt;
    const gaps = times.slice(1, expected.length + 1).map((x, i) => x - times[i]);
    t.log(`${shards} shards: gaps between reads (ms): ${gaps.join(' ')}`);
    t.is(gaps.length, expected.length);
    gaps.forEach((g, i) => t.true(g >= expected[i] - 2, `${shards} shards, gap ${i}: ${g} ms, at least ${expected[i]}`));
    const total = gaps.reduce((x, y) => x + y, 0);
    const waits = expected.reduce((x: number, y: number) => x + y, 0);
    t.true(total < waits + 400, `${shards} shards: ${total} ms in all for waits of ${waits} ms (uncapped doubling: 1,240)`);
    await a.actor.stop();
  }
});

test('reader.maxIdlePollIntervalMs: empty answers at the tip double the wait up to the maximum; records bring it back to pollIntervalMs', async (t) => {
  const empty = (behind = 0) => ({ records: [], millisBehindLatest: behind, ended: false });
  const script = [...Array.from({ length: 6 }, () => empty()), response(shardRecords(0, 2)), empty(), empty(), empty(5000), empty()];
  const a = await startActor(t, { script, reader: { pollIntervalMs: 20, maxIdlePollIntervalMs: 120 } });
  for (const t0 = Date.now(); a.source.reads < script.length + 1 && Date.now() - t0 < 4000;) await new Promise((r) => setTimeout(r, 10));
  const times = a.source.readAt;
  const gaps = times.slice(1).map((x, i) => x - times[i]);
  t.log(`gaps between reads (ms): ${gaps.join(' ')}`);
  // Waits after the 6 empty answers: 20, 40, 80, 120, 120, 120; the answer with records is followed
  // by a read at once (read ahead); then 20 and 40 after empty answers at the tip, 20 after the one
  // behind the tip (the base rate, and the doubling starts over), 20 after the last.
  const expected = [20, 40, 80, 120, 120, 120, 0, 20, 40, 20, 20];
  t.is(gaps.length, expected.length);
  // A timer never fires early: every gap from below. From above, each behaviour is checked on a run
  // of gaps against what getting it wrong would add up to, with 150 ms for a busy machine's late timers.
  gaps.forEach((g, i) => t.true(g >= expected[i] - 2, `gap ${i}: ${g} ms, at least ${expected[i]}`));
  const sum = (from: number, to: number) => gaps.slice(from, to).reduce((x, y) => x + y, 0);
  t.true(sum(0, 6) < 500 + 150, `the waits stop doubling at 120 ms: ${sum(0, 6)} ms in all (uncapped: 1,260)`);
  t.true(gaps[6] < 100, `the read after records comes without an idle wait (120 ms here): ${gaps[6]} ms`);
  t.true(sum(7, 9) < 60 + 150, `records bring the wait back to 20 ms: ${sum(7, 9)} ms in all (without: 240)`);
  t.true(sum(9, 11) < 40 + 150, `an answer behind the tip starts the doubling over: ${sum(9, 11)} ms in all (without: 240)`);
  await a.actor.stop();
  t.is(a.actor.position, seq(1), 'the records are stored');
});
