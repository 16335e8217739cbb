// The KPL decoder against aggregates made by AWS' aws-kinesis-agg, and against hand-made malformed ones.
import test from 'ava';
import { decodeKplAggregate, hasKplMagic, KplAggregateError } from '../src/sources/kpl-aggregate.js';
import { aggregate, frame } from './helpers/kpl-producer.js';

const utf8 = (d: Uint8Array) => Buffer.from(d).toString('utf8');
const bytes = (s: string) => [...Buffer.from(s)];
/** A length-delimited field: key (field, wire type 2), length, bytes. */
const ld = (field: number, body: number[]) => [(field << 3) | 2, body.length, ...body];

test('user records come out in order, each with its own partition key, hash key, data and sub-sequence number', (t) => {
  const records = Array.from({ length: 300 }, (_, i) => ({
    partitionKey: `user-${i % 7}`, data: Buffer.from(JSON.stringify({ i, text: 'é'.repeat(i % 5) })),
    // Hash keys first seen in ascending order: aws-kinesis-agg numbers its key tables by
    // Object.keys(), which puts integer-like keys (as hash keys are) in numeric order.
    ...(i % 3 === 0 ? { explicitHashKey: String(1000 + Math.floor(i / 60)) } : {}),
  }));
  const agg = aggregate(records);
  t.true(hasKplMagic(agg.data));
  const users = decodeKplAggregate(agg.data);
  t.is(users.length, 300);
  users.forEach((u, i) => {
    t.is(u.subSequenceNumber, i);
    t.is(u.partitionKey, records[i].partitionKey);
    t.is(u.explicitHashKey, records[i].explicitHashKey);
    t.is(utf8(u.data), records[i].data.toString('utf8'));
    t.is(u.data.buffer, agg.data.buffer, 'the data is a view into the aggregate, not a copy');
  });
});

test('an aggregate of one record and one of empty records decode too', (t) => {
  t.deepEqual(decodeKplAggregate(aggregate([{ partitionKey: 'k', data: Buffer.from('x') }]).data).map((u) => [u.partitionKey, utf8(u.data)]), [['k', 'x']]);
  const empty = decodeKplAggregate(aggregate([{ partitionKey: 'a', data: Buffer.alloc(0) }, { partitionKey: 'b', data: Buffer.alloc(0) }]).data);
  t.deepEqual(empty.map((u) => [u.partitionKey, u.data.length, u.subSequenceNumber]), [['a', 0, 0], ['b', 0, 1]]);
});

test('a record without the magic is not an aggregate', (t) => {
  t.false(hasKplMagic(Buffer.from('{"id":1}')));
  t.false(hasKplMagic(Buffer.from([0xf3, 0x89, 0x9a])));
  t.false(hasKplMagic(Buffer.from([0xf3, 0x89, 0x9a, 0xc3, 0, 0])));
});

test('tags and unknown fields (varint, fixed32, fixed64, bytes) are skipped', (t) => {
  const tag = ld(4, [...ld(1, bytes('env')), ...ld(2, bytes('prod'))]);
  const record = [0x08, 0x00, 0x78, 0x05, ...tag, ...ld(3, bytes('hello')), 0x7d, 1, 2, 3, 4];
  const body = [...ld(1, bytes('pk')), 0x79, 1, 2, 3, 4, 5, 6, 7, 8, ...ld(3, record), ...ld(9, bytes('later')), 0x50, 0x96, 0x01];
  const users = decodeKplAggregate(frame(body));
  t.deepEqual(users.map((u) => [u.partitionKey, utf8(u.data), u.explicitHashKey]), [['pk', 'hello', undefined]]);
});

test('records before the key tables (any field order) still find their keys', (t) => {
  const body = [...ld(3, [0x08, 0x01, ...ld(3, bytes('b'))]), ...ld(1, bytes('k0')), ...ld(1, bytes('k1'))];
  t.deepEqual(decodeKplAggregate(frame(body)).map((u) => [u.partitionKey, utf8(u.data)]), [['k1', 'b']]);
});

test('a flipped byte of the body is an MD5 mismatch', (t) => {
  const agg = aggregate([{ partitionKey: 'a', data: Buffer.from('one') }, { partitionKey: 'b', data: Buffer.from('two') }]);
  const bad = Buffer.from(agg.data);
  bad[8] ^= 0x20;
  const err = t.throws(() => decodeKplAggregate(bad), { instanceOf: KplAggregateError });
  t.is(err.name, 'KplAggregateError');
  t.is(err.code, 'KPL_AGGREGATE_CORRUPT');
  t.false(err.retriable);
  t.regex(err.message, /^MD5 mismatch: the body \(\d+ bytes\) hashes to [0-9a-f]{32}, the trailer says [0-9a-f]{32}$/);
});

test('malformed protobuf with a right MD5 says what is wrong and where', (t) => {
  const cases: Array<[number[], RegExp]> = [
    [[0x1a, 0x80], /^malformed protobuf: truncated varint at byte 5$/],
    [[...ld(1, bytes('pk')), 0x1a, 0x10, 0x08], /length 16 past the end of the message at byte 9/],
    [[...ld(1, bytes('pk')), ...ld(3, [0x08, 0x01, ...ld(3, [1])])], /record 0: partition key index 1 out of a table of 1 at byte 10/],
    [[...ld(1, bytes('pk')), ...ld(3, [0x10, 0x00, 0x08, 0x00, ...ld(3, [1])])], /record 0: explicit hash key index 0 out of a table of 0/],
    [[...ld(1, bytes('pk')), ...ld(3, [0x08, 0x00])], /record 0: no data at byte 10/],
    [[...ld(1, bytes('pk')), ...ld(3, ld(3, [1]))], /record 0: no partition_key_index/],
    [[0x0d, 1, 2, 3, 4], /field 1 has wire type 5, not 2 at byte 4/],
    [[0x4b], /unsupported wire type 3 at byte 4/],
    [[0x00], /field number 0 at byte 4/],
    [[0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /varint longer than 10 bytes at byte 5/],
  ];
  for (const [body, message] of cases) {
    const err = t.throws(() => decodeKplAggregate(frame(body)), { instanceOf: KplAggregateError }, message.source);
    t.regex(err.message, message);
  }
  t.regex(t.throws(() => decodeKplAggregate(Buffer.from([0xf3, 0x89, 0x9a, 0xc2, 1, 2]))).message, /6 bytes: shorter than the magic and the MD5 trailer/);
});

test('decode cost per user record (measured, reported)', (t) => {
  const agg = aggregate(Array.from({ length: 500 }, (_, i) => ({ partitionKey: `k${i % 50}`, data: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(200) })) })));
  let n = 0;
  const start = process.hrtime.bigint();
  for (let k = 0; k < 400; k++) n += decodeKplAggregate(agg.data).length;
  const ns = Number(process.hrtime.bigint() - start) / n;
  t.is(n, 200_000);
  t.log(`${ns.toFixed(0)} ns per user record (500 records of ~210 bytes per aggregate, MD5 included)`);
  t.true(ns < 50_000, 'far below a GetRecords round trip per record');
});
