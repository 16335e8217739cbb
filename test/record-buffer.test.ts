import test from 'ava';
import { RecordBuffer } from '../src/actors/record-buffer.js';
import { sequenceNumbers } from '../src/core/batch.js';
import { packWindow } from '../src/transform/record-window.js';

/** A transform result that keeps `kept` (indexes into seqs), each output being `r<seq>\n`, with the window's packed keys. */
function result(seqs: string[], kept = seqs.map((_, i) => i), arrival = (_i: number) => NaN) {
  const { keys, keyOffsets, arrivals } = packWindow('shardId-0', seqs.map((sequenceNumber, i) => ({ data: new Uint8Array(0), sequenceNumber, partitionKey: 'k', arrival: arrival(i) })));
  const parts = kept.map((i) => `r${seqs[i]}\n`);
  const data = Buffer.from(parts.join(''));
  const offsets = new Uint32Array(parts.length + 1);
  parts.forEach((p, j) => { offsets[j + 1] = offsets[j] + Buffer.byteLength(p); });
  return { data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), offsets, keptIndex: Uint32Array.from(kept), keys, keyOffsets, arrivals };
}

const seqs = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));
const text = (b: { data: Uint8Array }) => Buffer.from(b.data).toString();

test('cuts exactly at maxRecords, even inside one window', (t) => {
  const buf = new RecordBuffer({ maxRecords: 3, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  const s = seqs(10, 7);
  const batches = buf.add('shardId-0', result(s));
  t.deepEqual(batches.map((b) => [b.firstSeq, b.lastSeq, b.count]), [['10', '12', 3], ['13', '15', 3]]);
  t.is(text(batches[0]), 'r10\nr11\nr12\n');
  t.deepEqual([...batches[1].offsets], [0, 4, 8, 12]);
  t.deepEqual(sequenceNumbers(batches[1]), ['13', '14', '15']);
  t.is(buf.size, 1);
  const rest = buf.flush('shardId-0')!;
  t.deepEqual([rest.firstSeq, rest.lastSeq, rest.count, text(rest)], ['16', '16', 1, 'r16\n']);
  t.is(buf.flush('shardId-0'), null);
});

test('cuts before a record that would cross maxBytes', (t) => {
  const buf = new RecordBuffer({ maxRecords: 1000, maxBytes: 10, maxAgeMs: 60_000 });
  const s = seqs(100, 4); // each output is "r10x\n" = 5 bytes
  const batches = buf.add('shardId-0', result(s));
  t.deepEqual(batches.map((b) => [b.firstSeq, b.lastSeq, b.count, b.data.byteLength]), [['100', '101', 2, 10]]);
  t.is(buf.byteSize, 10);
});

test('a single record larger than maxBytes still goes out, alone', (t) => {
  const buf = new RecordBuffer({ maxRecords: 1000, maxBytes: 2, maxAgeMs: 60_000 });
  const s = seqs(1, 2);
  const batches = buf.add('shardId-0', result(s));
  t.deepEqual(batches.map((b) => [b.firstSeq, b.lastSeq, b.count]), [['1', '1', 1]]);
  t.is(buf.size, 1);
});

test('batches cover filtered records, so their range is contiguous', (t) => {
  const buf = new RecordBuffer({ maxRecords: 2, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  const s = seqs(1, 6);
  const batches = buf.add('shardId-0', result(s, [1, 3, 4]));
  t.deepEqual(batches.map((b) => [b.firstSeq, b.lastSeq, b.count, text(b)]), [['1', '4', 2, 'r2\nr4\n']]);
  t.deepEqual(sequenceNumbers(batches[0]), ['2', '4']);
  const rest = buf.flush('shardId-0')!;
  t.deepEqual([rest.firstSeq, rest.lastSeq, rest.count], ['5', '6', 1]);
});

test('a window with everything filtered flushes as an empty batch that still advances', (t) => {
  const buf = new RecordBuffer({ maxRecords: 10, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  const s = seqs(7, 3);
  t.deepEqual(buf.add('shardId-0', result(s, [])), []);
  t.true(buf.hasPending);
  const b = buf.flush('shardId-0')!;
  t.deepEqual([b.firstSeq, b.lastSeq, b.count, b.data.byteLength], ['7', '9', 0, 0]);
});

test('records across windows join one batch in order', (t) => {
  const buf = new RecordBuffer({ maxRecords: 4, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  const a = seqs(1, 3);
  const b = seqs(4, 3);
  t.deepEqual(buf.add('shardId-0', result(a)), []);
  const batches = buf.add('shardId-0', result(b));
  t.is(batches.length, 1);
  t.is(text(batches[0]), 'r1\nr2\nr3\nr4\n');
  t.deepEqual([...batches[0].offsets], [0, 3, 6, 9, 12]);
});

test('isDue turns true once maxAgeMs has passed since the first pending record', (t) => {
  let now = 1000;
  const buf = new RecordBuffer({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 50 }, () => now);
  t.false(buf.isDue());
  const s = seqs(1, 1);
  buf.add('shardId-0', result(s));
  now += 49;
  t.false(buf.isDue());
  now += 1;
  t.true(buf.isDue());
  buf.flush('shardId-0');
  t.false(buf.isDue());
});

test('a batch that is exactly one window\'s outputs takes their memory as it is; any other batch is a copy', (t) => {
  const buf = new RecordBuffer({ maxRecords: 4, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  const whole = result(seqs(20, 4));
  const [one] = buf.add('shardId-0', whole);
  t.is(one.data.buffer, whole.data, 'not copied');
  t.deepEqual([one.firstSeq, one.lastSeq, one.count, text(one)], ['20', '23', 4, 'r20\nr21\nr22\nr23\n']);
  t.deepEqual(sequenceNumbers(one), ['20', '21', '22', '23']);

  // Six outputs: the first batch is four of them (the rest stays in the buffer), so it must be a copy.
  const split = result(seqs(30, 6));
  const [part] = buf.add('shardId-0', split);
  t.not(part.data.buffer, split.data);
  t.is(text(part), 'r30\nr31\nr32\nr33\n');
  // The rest of that window, then one with a record filtered out, flushed together: a copy.
  const filtered = result(seqs(40, 2), [1]);
  t.deepEqual(buf.add('shardId-0', filtered), []);
  const mixed = buf.flush('shardId-0')!;
  t.not(mixed.data.buffer, filtered.data, 'two windows in one batch');
  t.is(text(mixed), 'r34\nr35\nr41\n');
  t.deepEqual(sequenceNumbers(mixed), ['34', '35', '41']);
});

const ranges = (batches: Array<{ firstSeq: string; lastSeq: string; count: number }>) => batches.map((b) => [b.firstSeq, b.lastSeq, b.count]);

test('replay: cuts right after each journaled boundary, then on count as before; age and stop cuts wait until the last boundary passed', (t) => {
  const buf = new RecordBuffer({ maxRecords: 4, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  buf.replay(['15', '12']);
  t.true(buf.replaying);
  const first = buf.add('shardId-0', result(seqs(10, 4)));
  t.deepEqual(ranges(first), [['10', '12', 3]]);
  t.true(buf.replaying, 'a boundary is still ahead');
  // 13..15 ends at the second boundary; 16..19 is a count cut of 4, as without a journal.
  const second = buf.add('shardId-0', result(seqs(14, 7)));
  t.deepEqual(ranges(second), [['13', '15', 3], ['16', '19', 4]]);
  t.false(buf.replaying);
  t.deepEqual(ranges([buf.flush('shardId-0')!]), [['20', '20', 1]]);
});

test('replay: a boundary on a filtered record still cuts there (the range, not the kept records, ends there)', (t) => {
  const buf = new RecordBuffer({ maxRecords: 10, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  buf.replay(['3']);
  const cut = buf.add('shardId-0', result(seqs(1, 6), [0, 1, 4, 5]));
  t.deepEqual(ranges(cut), [['1', '3', 2]]);
  t.is(text(cut[0]), 'r1\nr2\n');
  t.deepEqual(ranges([buf.flush('shardId-0')!]), [['4', '6', 2]]);
});

test('replay: a boundary that is never met (a record gone) is dropped once a later record passes, and age cuts come back', (t) => {
  const buf = new RecordBuffer({ maxRecords: 10, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  buf.replay(['5']);
  t.deepEqual(buf.add('shardId-0', result(['1', '2', '4'])), []);
  t.true(buf.replaying);
  t.deepEqual(buf.add('shardId-0', result(['6', '7'])), []);
  t.false(buf.replaying);
  t.deepEqual(ranges([buf.flush('shardId-0')!]), [['1', '7', 5]]);
});

test('replay: a boundary that falls on a count cut is that cut', (t) => {
  const buf = new RecordBuffer({ maxRecords: 3, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  buf.replay(['3', '5']);
  const cut = buf.add('shardId-0', result(seqs(1, 7)));
  t.deepEqual(ranges(cut), [['1', '3', 3], ['4', '5', 2]]);
  t.false(buf.replaying);
});

test('a batch is dated by its first record\'s arrival (not the cut time), NaN when the source has none', (t) => {
  const buf = new RecordBuffer({ maxRecords: 2, maxBytes: 1 << 20, maxAgeMs: 60_000 }, () => 5);
  const cut = buf.add('shardId-0', result(seqs(1, 4), undefined, (i) => 1000 + i));
  t.deepEqual(cut.map((b) => [b.firstArrival, b.createdAt]), [[1000, 5], [1002, 5]]);
  const unknown = buf.add('shardId-0', result(seqs(5, 2)));
  t.true(Number.isNaN(unknown[0].firstArrival));
});

test('replay: boundaries inside a KPL aggregate (`S.k`) cut after that user record, ordered by sub-sequence number', (t) => {
  const buf = new RecordBuffer({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  buf.replay(['100.10', '100.2']);
  const s = ['99', '100.0', '100.1', '100.2', '100.3', '100.9', '100.10', '100.11', '101'];
  t.deepEqual(ranges(buf.add('shardId-0', result(s))), [['99', '100.2', 4], ['100.3', '100.10', 3]]);
  t.false(buf.replaying);
  t.deepEqual(ranges([buf.flush('shardId-0')!]), [['100.11', '101', 2]]);
});

/** A result whose kept output j has partition `parts[j]` (window dictionary in order of first appearance). */
function partitioned(seqList: string[], parts: string[], kept = seqList.map((_, i) => i)) {
  const partitions = [...new Set(parts)];
  return { ...result(seqList, kept), partitions, partitionOf: Uint32Array.from(parts.map((p) => partitions.indexOf(p))) };
}

/** Each batch's records with their partition values. */
const byPartition = (batches: Array<{ data: Uint8Array; offsets: Uint32Array; partitions?: string[]; partitionOf?: Uint32Array }>) =>
  batches.map((b) => text(b).trimEnd().split('\n').map((line, i) => `${line}:${b.partitions![b.partitionOf![i]]}`));

test('maxOpenPartitions: the batch is cut before a record that opens one partition too many, the same way every time', (t) => {
  const s = seqs(1, 9);
  const parts = ['a', 'b', 'a', 'c', 'b', 'a', 'c', 'd', 'd'];
  const run = () => {
    const buf = new RecordBuffer({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000, maxOpenPartitions: 2 });
    const cut = buf.add('shardId-0', partitioned(s, parts));
    return [...cut, buf.flush('shardId-0')!];
  };
  const batches = run();
  t.deepEqual(batches.map((b) => [b.firstSeq, b.lastSeq, b.count]), [['1', '3', 3], ['4', '5', 2], ['6', '7', 2], ['8', '9', 2]]);
  t.deepEqual(byPartition(batches), [['r1:a', 'r2:b', 'r3:a'], ['r4:c', 'r5:b'], ['r6:a', 'r7:c'], ['r8:d', 'r9:d']]);
  t.true(batches.every((b) => b.partitions!.length <= 2));
  t.deepEqual(run().map((b) => [b.firstSeq, b.lastSeq, b.partitions]), batches.map((b) => [b.firstSeq, b.lastSeq, b.partitions]), 'deterministic');
});

test('partitions are re-based onto each batch\'s own dictionary across windows; filtered records count in the range only', (t) => {
  const buf = new RecordBuffer({ maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 60_000 });
  t.deepEqual(buf.add('shardId-0', partitioned(seqs(1, 4), ['x', 'y', 'x'], [0, 2, 3])), []);
  t.deepEqual(buf.add('shardId-0', partitioned(seqs(5, 3), ['z', 'y', 'x'])), []);
  const batch = buf.flush('shardId-0')!;
  t.deepEqual([batch.firstSeq, batch.lastSeq, batch.count], ['1', '7', 6]);
  t.deepEqual(batch.partitions, ['x', 'y', 'z']);
  t.deepEqual([...batch.partitionOf!], [0, 1, 0, 2, 1, 0]);
  t.deepEqual(byPartition([batch]), [['r1:x', 'r3:y', 'r4:x', 'r5:z', 'r6:y', 'r7:x']]);
  const next = buf.add('shardId-0', partitioned(seqs(8, 1), ['y']));
  t.deepEqual(next, []);
  t.deepEqual(buf.flush('shardId-0')!.partitions, ['y'], 'a new batch starts a new dictionary');
});

test('without partitions, batches carry none', (t) => {
  const buf = new RecordBuffer({ maxRecords: 2, maxBytes: 1 << 20, maxAgeMs: 60_000, maxOpenPartitions: 1 });
  const [batch] = buf.add('shardId-0', result(seqs(1, 2)));
  t.is(batch.partitions, undefined);
  t.is(batch.partitionOf, undefined);
});
