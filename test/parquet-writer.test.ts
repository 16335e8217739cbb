// Parquet output: what the file and s3 emitters write with format "parquet", read back with an
// independent reader (parquet-wasm, not the hyparquet family that writes), value by value.
import test from 'ava';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEmitter } from '../src/emitters/file/file-emitter.js';
import { batchToParquet } from '../src/emitters/parquet/parquet-writer.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';
import { readParquetFile } from './helpers/read-parquet.js';

async function tempDir(t: import('ava').ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-parquet-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const records = [
  { id: 'a', n: 1, price: 1.5, ok: true, page: { path: '/x', tags: ['a', 'b'] }, note: 'héllo ✓ 日本 🎉', mixed: 'x', gone: null },
  { id: 'b', n: -9007199254740991, price: 2, ok: false, page: null, mixed: 5 },
  { id: 'c', n: 3, price: null, page: { path: '/y' }, note: null, mixed: { deep: [1, null] }, extra: true },
];

for (const compression of ['snappy', 'zstd', 'none'] as const) {
  test(`inferred schema (${compression}): every value back, nested and mixed fields as JSON text, nulls and missing fields null`, async (t) => {
    const bytes = await batchToParquet(makeBatch(records.map((r) => JSON.stringify(r)), seqs(3)), { compression });
    const { rows, types } = readParquetFile(bytes);
    t.deepEqual(types, { id: 'Utf8', n: 'Int64', price: 'Float64', ok: 'Bool', page: 'Utf8', note: 'Utf8', mixed: 'Utf8', gone: 'Utf8', extra: 'Bool' });
    t.deepEqual(rows, [
      { id: 'a', n: 1n, price: 1.5, ok: true, page: '{"path":"/x","tags":["a","b"]}', note: 'héllo ✓ 日本 🎉', mixed: '"x"', gone: null, extra: null },
      { id: 'b', n: -9007199254740991n, price: 2, ok: false, page: null, note: null, mixed: '5', gone: null, extra: null },
      { id: 'c', n: 3n, price: null, ok: null, page: '{"path":"/y"}', note: null, mixed: '{"deep":[1,null]}', gone: null, extra: true },
    ]);
  });
}

test('inferred schema: integers stay int64 until a fraction or an integer past 2^53 makes the column double', async (t) => {
  const lines = ['{"a":1,"b":1,"c":1}', '{"a":2,"b":2.5,"c":1e300}'];
  const { rows, types } = readParquetFile(await batchToParquet(makeBatch(lines, seqs(2))));
  t.deepEqual(types, { a: 'Int64', b: 'Float64', c: 'Float64' });
  t.deepEqual(rows, [{ a: 1n, b: 1, c: 1 }, { a: 2n, b: 2.5, c: 1e300 }]);
});

test('declared columns: only those fields, in that order, typed as declared; missing and null are null', async (t) => {
  const lines = [
    '{"id":"a","n":7,"x":1.25,"ok":true,"at":1700000000123,"doc":{"k":[1,2]},"ignored":"z"}',
    '{"id":"b","n":null,"x":3,"at":"2024-05-17T12:00:00.5Z","doc":"text"}',
    '{"id":"ü","ok":false}',
  ];
  const columns = { id: 'string', n: 'int64', x: 'double', ok: 'boolean', at: 'timestamp', doc: 'json' } as const;
  const { rows, types } = readParquetFile(await batchToParquet(makeBatch(lines, seqs(3)), { columns }));
  t.deepEqual(types, { id: 'Utf8', n: 'Int64', x: 'Float64', ok: 'Bool', at: 'Timestamp<MILLISECOND, UTC>', doc: 'Utf8' });
  t.deepEqual(rows, [
    { id: 'a', n: 7n, x: 1.25, ok: true, at: 1700000000123, doc: '{"k":[1,2]}' },
    { id: 'b', n: null, x: 3, ok: null, at: Date.UTC(2024, 4, 17, 12, 0, 0, 500), doc: '"text"' },
    { id: 'ü', n: null, x: null, ok: false, at: null, doc: null },
  ]);
});

const s = seqs(3);
for (const [title, columns, lines, message] of [
  ['a line that is not JSON', undefined, ['{"a":1}', 'not json', '{"a":2}'], new RegExp(`^Parquet: record ${s[1]} of shardId-000000000000 is not a JSON object \\(`)],
  ['a line that is an array', undefined, ['{"a":1}', '{"a":2}', '[1,2]'], `Parquet: record ${s[2]} of shardId-000000000000 is not a JSON object (got an array)`],
  ['a line that is a number', { a: 'int64' }, ['5', '{"a":1}', '{"a":2}'], `Parquet: record ${s[0]} of shardId-000000000000 is not a JSON object (got number)`],
  ['a string in an int64 column', { a: 'int64' }, ['{"a":1}', '{"a":"2"}', '{"a":3}'],
    `Parquet: record ${s[1]} of shardId-000000000000 field "a" does not fit column type int64: expected an integer between -(2^53 - 1) and 2^53 - 1, got "2"`],
  ['a fraction in an int64 column', { a: 'int64' }, ['{"a":1}', '{"a":2}', '{"a":1.5}'],
    `Parquet: record ${s[2]} of shardId-000000000000 field "a" does not fit column type int64: expected an integer between -(2^53 - 1) and 2^53 - 1, got 1.5`],
  ['a number in a string column', { a: 'string' }, ['{"a":1}', '{"a":"x"}', '{"a":"y"}'],
    `Parquet: record ${s[0]} of shardId-000000000000 field "a" does not fit column type string: expected a string, got 1`],
  ['a string in a boolean column', { ok: 'boolean' }, ['{"ok":true}', '{"ok":"true"}', '{}'],
    `Parquet: record ${s[1]} of shardId-000000000000 field "ok" does not fit column type boolean: expected true or false, got "true"`],
  ['an object in a double column', { x: 'double' }, ['{"x":1}', '{"x":{}}', '{}'],
    `Parquet: record ${s[1]} of shardId-000000000000 field "x" does not fit column type double: expected a number, got {}`],
  ['a bad date in a timestamp column', { at: 'timestamp' }, ['{"at":"yesterday"}', '{}', '{}'],
    `Parquet: record ${s[0]} of shardId-000000000000 field "at" does not fit column type timestamp: expected milliseconds since the epoch (an integer) or an ISO 8601 date string, got "yesterday"`],
  ['records without any field', undefined, ['{}', '{}', '{}'],
    `Parquet: no record of shardId-000000000000 from ${s[0]} to ${s[2]} has a field, and a Parquet file needs a column: declare parquet.columns`],
] as const) {
  test(`${title}: the batch fails permanently, naming shard and sequence number`, async (t) => {
    const err = await t.throwsAsync(batchToParquet(makeBatch([...lines], s), { columns: columns as Record<string, 'int64'> | undefined }));
    t.like(err, { name: 'EmitError', code: 'RECORD_INVALID', retriable: false, permanent: true });
    if (typeof message === 'string') t.is(err?.message, message);
    else t.regex(err?.message ?? '', message);
  });
}

test('file emitter with format parquet: <first>-<last>.parquet, readable, rewritten in place; a bad record writes nothing', async (t) => {
  const dir = await tempDir(t);
  const emitter = new FileEmitter({ dir, prefix: 'p/', format: 'parquet', parquet: { compression: 'zstd' } });
  const sq = seqs(2);
  const batch = makeBatch(['{"id":"a","v":1}', '{"id":"b","v":null}'], sq);
  const { location } = await emitter.emit(batch);
  t.is(location, join(dir, 'p', '2024', '05', '17', 'shardId-000000000000', `${sq[0]}-${sq[1]}.parquet`));
  await emitter.emit(batch);
  t.deepEqual(await readdir(join(dir, 'p', '2024', '05', '17', 'shardId-000000000000')), [`${sq[0]}-${sq[1]}.parquet`]);
  t.deepEqual(readParquetFile(await readFile(location)).rows, [{ id: 'a', v: 1n }, { id: 'b', v: null }]);
  await t.throwsAsync(emitter.emit(makeBatch(['{"id":"c"}', 'oops'], seqs(2, 10))), { code: 'RECORD_INVALID' });
  t.deepEqual(await readdir(join(dir, 'p', '2024', '05', '17', 'shardId-000000000000')), [`${sq[0]}-${sq[1]}.parquet`]);
});

test('emitter constructors check format, parquet and gzip, naming the option', (t) => {
  t.throws(() => new FileEmitter({ dir: '/tmp', format: 'csv' as 'parquet' }), { message: 'format must be "ndjson" or "parquet", got "csv"' });
  t.throws(() => new FileEmitter({ dir: '/tmp', format: 'parquet', gzip: true }),
    { message: 'gzip must be false with format "parquet" (a Parquet file compresses itself: set parquet.compression)' });
  t.throws(() => new FileEmitter({ dir: '/tmp', parquet: {} }), { message: 'parquet applies only with format "parquet"' });
  t.throws(() => new FileEmitter({ dir: '/tmp', format: 'parquet', parquet: { columns: { a: 'int32' as 'int64' } } }),
    { message: 'parquet.columns.a must be one of "string", "int64", "double", "boolean", "timestamp", "json", got "int32"' });
  t.throws(() => new FileEmitter({ dir: '/tmp', format: 'parquet', parquet: { compression: 'gzip' as 'zstd' } }),
    { message: 'parquet.compression must be "snappy", "zstd" or "none", got "gzip"' });
});
