// A GetRecords answer in CBOR scanned into record spans: the same records as the general decoder
// (cbor-x) reads, over the encodings CBOR allows; the scan gives up, and the decoder takes over, on
// what it does not read; spans pack into the same windows as objects, and the intake splits an
// aggregate among spans.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { Decoder, Encoder } from 'cbor-x';
import { decodeGetRecordsAnswer, readGetRecordsAnswer } from '../src/aws/kinesis-cbor-answer.js';
import { scanGetRecordsAnswer } from '../src/aws/kinesis-cbor-scan.js';
import { RecordIntake } from '../src/actors/record-intake.js';
import type { RecordSpans, SourceRecord } from '../src/core/records.js';
import { isSpanSequenceNumber, recordsOfSpans, spansOfRecords } from '../src/core/record-spans.js';
import { isSequenceNumber } from '../src/core/sequence.js';
import { packWindow } from '../src/transform/record-window.js';
import { aggregate } from './helpers/kpl-producer.js';

const CONTEXT = { what: 'GetRecords of shardId-000000000000 at http://127.0.0.1:1', status: 200, contentType: 'application/x-amz-cbor-1.1' };
const encoder = new Encoder({ useRecords: false });

// A hand encoder, for the encodings cbor-x does not write: indefinite lengths, half floats, tags.
type Item = number[];
function head(major: number, n: number): Item {
  if (n < 24) return [(major << 5) | n];
  if (n < 0x100) return [(major << 5) | 24, n];
  if (n < 0x10000) return [(major << 5) | 25, n >> 8, n & 0xff];
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return n < 2 ** 32 ? [(major << 5) | 26, ...b.subarray(4)] : [(major << 5) | 27, ...b];
}
const uint = (n: number): Item => head(0, n);
const bytes = (b: Uint8Array): Item => [...head(2, b.length), ...b];
const text = (s: string): Item => bytes(Buffer.from(s, 'utf8')).map((v, i) => (i === 0 ? v + 0x20 : v));
const map = (entries: Array<[string, Item]>, indefinite = false): Item =>
  indefinite ? [0xbf, ...entries.flatMap(([k, v]) => [...text(k), ...v]), 0xff] : [...head(5, entries.length), ...entries.flatMap(([k, v]) => [...text(k), ...v])];
const array = (items: Item[], indefinite = false): Item => (indefinite ? [0x9f, ...items.flat(), 0xff] : [...head(4, items.length), ...items.flat()]);
const tag = (t: number, item: Item): Item => [...head(6, t), ...item];
function float64(x: number): Item {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return [0xfb, ...b];
}
function float32(x: number): Item {
  const b = Buffer.alloc(4);
  b.writeFloatBE(x);
  return [0xfa, ...b];
}
const NULL: Item = [0xf6];
const body = (item: Item) => Buffer.from(item);

function seqOf(i: number): string {
  return `4959033827149025660855969253836157109592157598913658${String(8800 + i)}`;
}

/** The records the general decoder reads, for comparison. */
function decoded(b: Uint8Array) {
  const out = decodeGetRecordsAnswer(b, CONTEXT);
  return { ...out, records: out.records.map((r) => ({ ...r, data: Buffer.from(r.data) })) };
}

function asObjects(s: RecordSpans) {
  return recordsOfSpans(s).map((r) => ({ ...r, data: Buffer.from(r.data) }));
}

test('an answer as cbor-x (and the embedded Kinesis) writes it is scanned: the same records as the decoder reads', (t) => {
  const records = Array.from({ length: 300 }, (_, i) => ({
    Data: randomBytes(i % 7 === 0 ? 0 : 1 + i * 13), SequenceNumber: seqOf(i), PartitionKey: i % 2 ? `user-${i}` : `ключ-🙂-${i}`,
    ApproximateArrivalTimestamp: 1_795_773_632.885 + i,
  }));
  const b = Buffer.from(encoder.encode({ Records: records, NextShardIterator: 'AAAA/iter+=', MillisBehindLatest: 1234 }));
  const scanned = scanGetRecordsAnswer(b);
  if (!scanned) return t.fail('the scan gave up');
  t.is(scanned.records.length, 300);
  t.is(scanned.records.bytes, b, 'spans of the answer itself: nothing copied');
  t.deepEqual(asObjects(scanned.records), decoded(b).records);
  t.is(scanned.nextShardIterator, 'AAAA/iter+=');
  t.is(scanned.millisBehindLatest, 1234);
  t.is(scanned.records.arrivals[5], Math.round((1_795_773_632.885 + 5) * 1000));
});

test('indefinite maps and arrays, fields in any order, unknown fields of every kind, timestamps as tag 1, floats and integers', (t) => {
  const unknown: Item = map([['n', uint(70000)], ['a', array([NULL, [0xf5], float32(1.5)], true)], ['t', tag(1, uint(5))], ['s', text('x'.repeat(300))]], true);
  const r0 = map([['EncryptionType', text('NONE')], ['PartitionKey', text('pk-0')], ['Extra', unknown], ['Data', bytes(Buffer.from('zero'))], ['SequenceNumber', text(seqOf(0))],
    ['ApproximateArrivalTimestamp', tag(1, float64(1_795_773_632.5))]], true);
  const r1 = map([['SequenceNumber', text(seqOf(1))], ['Data', bytes(randomBytes(40_000))], ['ApproximateArrivalTimestamp', tag(1, uint(1_795_773_632))]]);
  const r2 = map([['SequenceNumber', text(seqOf(2))], ['PartitionKey', NULL], ['ApproximateArrivalTimestamp', [0xf9, 0x3c, 0x00]]]);
  const r3 = map([['Data', bytes(Buffer.from('three'))], ['SequenceNumber', text(seqOf(3))], ['ApproximateArrivalTimestamp', float32(1_795_773_600)]]);
  const b = body(map([['ChildShards', array([map([['ShardId', text('shardId-000000000001')]])])], ['Records', array([r0, r1, r2, r3], true)],
    ['MillisBehindLatest', uint(300)], ['NextShardIterator', NULL]], true));
  const scanned = scanGetRecordsAnswer(b);
  if (!scanned) return t.fail('the scan gave up');
  const ours = asObjects(scanned.records);
  t.deepEqual(ours, decoded(b).records, 'what the decoder reads');
  t.deepEqual(ours.map((r) => r.partitionKey), ['pk-0', '', '', '']);
  t.deepEqual(ours.map((r) => r.data.byteLength), [4, 40_000, 0, 5], 'no Data: an empty record');
  t.deepEqual(Array.from(scanned.records.arrivals), [1_795_773_632_500, 1_795_773_632_000, 1000, 1_795_773_568_000], 'a half float of 1.0 is 1 s');
  // Milliseconds as a 64-bit integer under tag 1 (which cbor-x cannot decode: it makes a BigInt of it).
  const ms = body(map([['Records', array([map([['SequenceNumber', text(seqOf(0))], ['ApproximateArrivalTimestamp', tag(1, uint(1_795_773_632_123))]])])]]));
  t.deepEqual(Array.from(scanGetRecordsAnswer(ms)?.records.arrivals ?? []), [1_795_773_632_123]);
  t.is(scanned.nextShardIterator, undefined, 'null: the shard is closed and read to its end');
  t.is(scanned.millisBehindLatest, 300);
});

test('an answer without records, or with Records null, is scanned as empty', (t) => {
  for (const b of [body(map([['NextShardIterator', text('it')], ['MillisBehindLatest', uint(0)]])), body(map([['Records', NULL], ['NextShardIterator', text('it')]])),
    Buffer.from(encoder.encode({ Records: [], NextShardIterator: 'it', MillisBehindLatest: 0 }))]) {
    const scanned = scanGetRecordsAnswer(b);
    t.is(scanned?.records.length, 0);
    t.is(scanned?.nextShardIterator, 'it');
  }
});

test('the scan gives up on what it does not read, and the answer is read by the decoder instead', (t) => {
  const record = (data: Item): Item => map([['Data', data], ['SequenceNumber', text(seqOf(0))], ['PartitionKey', text('k')]]);
  const answer = (r: Item): Item => map([['Records', array([r])], ['NextShardIterator', text('it')], ['MillisBehindLatest', uint(0)]]);
  const base64 = body(answer(record(text(Buffer.from('hello').toString('base64')))));
  t.is(scanGetRecordsAnswer(base64), undefined, 'Data as base64 text (kinesalite on its own): not scanned');
  const read = readGetRecordsAnswer(base64, CONTEXT);
  t.is(Buffer.from(recordsOfSpans(read.records)[0].data).toString(), 'hello', 'read by the decoder, data as bytes');
  t.is(recordsOfSpans(read.records)[0].sequenceNumber, seqOf(0));
  const tagged = body(answer(record(tag(24, bytes(Buffer.from('hello'))))));
  t.is(scanGetRecordsAnswer(tagged), undefined);
  t.throws(() => readGetRecordsAnswer(tagged, CONTEXT), { name: 'UnreadableAnswerError', message: /record 0's Data is/ });
  const noSequence = body(answer(map([['Data', bytes(Buffer.from('x'))]])));
  t.is(scanGetRecordsAnswer(noSequence), undefined);
  t.throws(() => readGetRecordsAnswer(noSequence, CONTEXT), { name: 'UnreadableAnswerError', message: /record 0's SequenceNumber is undefined/ });
  const nullData = body(answer(record(NULL)));
  t.is(scanGetRecordsAnswer(nullData), undefined);
  t.throws(() => readGetRecordsAnswer(nullData, CONTEXT), { name: 'UnreadableAnswerError', message: /record 0's Data is null/ });
  // A chunked byte string (which Kinesis does not send) is read by neither: an error that says so.
  const chunked = body(answer(record([0x5f, ...bytes(Buffer.from('hel')), ...bytes(Buffer.from('lo')), 0xff])));
  t.is(scanGetRecordsAnswer(chunked), undefined);
  t.throws(() => readGetRecordsAnswer(chunked, CONTEXT), { name: 'UnreadableAnswerError', message: /Indefinite length/ });
});

test('a body that is not a well-formed answer is never half read: the scan gives up and the decoder names the problem', (t) => {
  const good = Buffer.from(encoder.encode({ Records: [{ Data: Buffer.from('x'), SequenceNumber: seqOf(0), PartitionKey: 'k' }], NextShardIterator: 'it', MillisBehindLatest: 0 }));
  for (const b of [good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from([0])]), body(array([])), body([0x18]), Buffer.alloc(0)]) {
    t.is(scanGetRecordsAnswer(b), undefined, `${b.toString('hex').slice(0, 40)}: not scanned`);
    t.throws(() => readGetRecordsAnswer(b, CONTEXT), { name: 'UnreadableAnswerError' });
  }
  // An array head claiming four billion records in a short body: no memory taken up front, no hang.
  const huge = body(map([['Records', [0x9b, 0, 0, 0, 1, 0, 0, 0, 0]]]));
  t.is(scanGetRecordsAnswer(huge), undefined);
});

test('spans pack into the same windows as objects, byte for byte, over any slice', (t) => {
  const objects: SourceRecord[] = Array.from({ length: 57 }, (_, i) => ({
    data: randomBytes([0, 1, 63, 64, 65, 1000][i % 6]), sequenceNumber: seqOf(i), partitionKey: i % 3 ? `p-${i}` : `鍵-é-${i}`, arrival: i % 4 ? 1_795_773_632_000 + i : NaN,
  }));
  const spans = spansOfRecords(objects);
  t.deepEqual(recordsOfSpans(spans).map((r) => ({ ...r, data: Buffer.from(r.data) })), objects.map((r) => ({ ...r, data: Buffer.from(r.data) })), 'the round trip');
  for (const [from, to] of [[0, 57], [0, 1], [13, 40], [56, 57]]) {
    const a = packWindow('s', objects, from, to);
    const b = packWindow('s', spans, from, to);
    t.deepEqual(Buffer.from(b.data), Buffer.from(a.data), `${from}..${to}: data`);
    t.deepEqual(b.offsets, a.offsets);
    // Packing objects sizes the keys' buffer for the worst case of UTF-8: what matters is what the offsets cover.
    const used = (w: typeof a) => Buffer.from(w.keys, 0, w.keyOffsets[w.keyOffsets.length - 1]);
    t.deepEqual(used(b), used(a), `${from}..${to}: keys`);
    t.deepEqual(b.keyOffsets, a.keyOffsets);
    t.deepEqual(b.arrivals, a.arrivals);
  }
});

test('sequence numbers held as spans are checked as isSequenceNumber checks strings', (t) => {
  const values = ['0', '7', seqOf(1), '1'.repeat(129), '1'.repeat(130), '', '00', '01', '-1', '1.5', '12a', ' 1', '１２'];
  const spans = spansOfRecords(values.map((v) => ({ data: new Uint8Array(0), sequenceNumber: v, partitionKey: '', arrival: NaN })));
  t.deepEqual(values.map((_, i) => isSpanSequenceNumber(spans, i)), values.map((v) => isSequenceNumber(v)));
  t.true(values.some((v) => isSequenceNumber(v)) && values.some((v) => !isSequenceNumber(v)));
});

test('the intake hands spans without aggregates back as they are, and splits an aggregate among spans', (t) => {
  const plain: SourceRecord[] = [0, 1, 2].map((i) => ({ data: Buffer.from(`r${i}`), sequenceNumber: seqOf(i), partitionKey: `k${i}`, arrival: 1 }));
  const spans = spansOfRecords(plain);
  t.is(new RecordIntake(true, { type: 'TRIM_HORIZON' }).take(spans).records, spans, 'the same spans: nothing copied');
  const users = [0, 1, 2].map((i) => ({ partitionKey: `user-${i}`, data: Buffer.from(`u${i}`) }));
  const mixed = spansOfRecords([plain[0], { data: aggregate(users).data, sequenceNumber: seqOf(1), partitionKey: 'agg', arrival: 1 }, plain[2]]);
  const out = new RecordIntake(true, { type: 'TRIM_HORIZON' }).take(mixed).records as SourceRecord[];
  t.deepEqual(out.map((r) => r.sequenceNumber), [seqOf(0), `${seqOf(1)}.0`, `${seqOf(1)}.1`, `${seqOf(1)}.2`, seqOf(2)]);
  t.deepEqual(out.map((r) => Buffer.from(r.data).toString()), ['r0', 'u0', 'u1', 'u2', 'r2']);
});

test('cbor-x reads the hand encoder as the scan does (the encoder is right)', (t) => {
  const value = new Decoder({ mapsAsObjects: true, useRecords: false }).decode(body(map([['a', array([uint(1), text('é')], true)], ['b', float64(2.5)]], true)));
  t.deepEqual(value, { a: [1, 'é'], b: 2.5 });
});
