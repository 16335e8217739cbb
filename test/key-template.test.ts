// Key templates: what the config refuses (each message), how record values are encoded, how
// arrival times are formatted, and the keys of a batch's objects, which never leave the prefix.
import test from 'ava';
import { resolveConfig } from '../src/config/config.js';
import { ConfigError } from '../src/core/errors.js';
import { ArrivalFormatter } from '../src/emitters/arrival-format.js';
import { batchObjects, type KeyScheme } from '../src/emitters/batch-objects.js';
import { batchKey } from '../src/emitters/emitter.js';
import { DEFAULT_KEY_TEMPLATE, parseKeyTemplate } from '../src/emitters/key-template.js';
import { encodeKeyValue, fieldValue } from '../src/emitters/key-value.js';
import { FileEmitter } from '../src/emitters/file/file-emitter.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';

const base = { app: 'lake', stream: 'events' };
const resolve = (emitter: Record<string, unknown>) => resolveConfig({ ...base, emitter: { type: 's3', bucket: 'lake-bucket', ...emitter } }, { baseDir: '/srv/app', env: {} });

test('emitter.key: every refusal names the option, the rule and the value', (t) => {
  const cases: Array<[unknown, string]> = [
    ['', 'emitter.key must not be empty, got ""'],
    ['{firstSeq}', 'emitter.key must contain {shardId} and {firstSeq} (so that no two objects share a key), got "{firstSeq}"'],
    ['{shardId}/x', 'emitter.key must contain {shardId} and {firstSeq} (so that no two objects share a key), got "{shardId}/x"'],
    ['{shardId}/{firstSeq}/{nope}', 'emitter.key has an unknown placeholder {nope} (known: {shardId}, {firstSeq}, {lastSeq}, {arrival:<format>}, {field:<dot.path>}), got "{shardId}/{firstSeq}/{nope}"'],
    ['{shardId}/{firstSeq', 'emitter.key has an unbalanced "{" at character 11, got "{shardId}/{firstSeq"'],
    ['{shardId}/firstSeq}', 'emitter.key has an unbalanced "}" at character 19, got "{shardId}/firstSeq}"'],
    ['{shardId}/{{firstSeq}}', 'emitter.key has an unbalanced "{" at character 11, got "{shardId}/{{firstSeq}}"'],
    ['a/../{shardId}/{firstSeq}', 'emitter.key must not have a ".." segment, got "a/../{shardId}/{firstSeq}"'],
    ['./{shardId}/{firstSeq}', 'emitter.key must not have a "." segment, got "./{shardId}/{firstSeq}"'],
    ['/{shardId}/{firstSeq}', 'emitter.key must not begin with "/" (keys are relative to emitter.prefix), got "/{shardId}/{firstSeq}"'],
    ['a//{shardId}/{firstSeq}', 'emitter.key must not have an empty segment ("//" or a trailing "/"), got "a//{shardId}/{firstSeq}"'],
    ['{shardId}/{firstSeq}/', 'emitter.key must not have an empty segment ("//" or a trailing "/"), got "{shardId}/{firstSeq}/"'],
    ['a b/{shardId}/{firstSeq}', 'emitter.key has the character " " outside a placeholder (literals may hold letters, digits and / _ . = -), got "a b/{shardId}/{firstSeq}"'],
    ['a\\b/{shardId}/{firstSeq}', 'emitter.key has the character "\\\\" outside a placeholder (literals may hold letters, digits and / _ . = -), got "a\\\\b/{shardId}/{firstSeq}"'],
    ['dt={arrival:yyyy MM}/{shardId}/{firstSeq}', 'emitter.key has an arrival format "yyyy MM" that is not a non-empty run of letters, digits and / _ . = -, got "dt={arrival:yyyy MM}/{shardId}/{firstSeq}"'],
    ['t={field:a..b}/{shardId}/{firstSeq}', 'emitter.key has a field path "a..b" that is not a dotted path such as "user.id", got "t={field:a..b}/{shardId}/{firstSeq}"'],
    ['{arrival:yyyy/}/{shardId}/{firstSeq}', 'emitter.key must not have an empty segment ("//" or a trailing "/"), got "{arrival:yyyy/}/{shardId}/{firstSeq}"'],
    ['{arrival:..}/{shardId}/{firstSeq}', 'emitter.key must not have a ".." segment, got "{arrival:..}/{shardId}/{firstSeq}"'],
    [42, 'emitter.key must be a string, got 42'],
  ];
  for (const [key, message] of cases) {
    const err = t.throws(() => resolve({ key }), { instanceOf: ConfigError }, JSON.stringify(key));
    t.is(err?.message, message);
  }
});

test('emitter.keyFieldDefault: safe characters only, not "." or ".."', (t) => {
  for (const value of ['', '.', '..', 'a/b', 'x y']) {
    t.is(t.throws(() => resolve({ keyFieldDefault: value }))?.message,
      `emitter.keyFieldDefault must be 1-100 of letters, digits and . _ - (not "." or ".."), got ${JSON.stringify(value)}`);
  }
  t.is((resolve({ keyFieldDefault: 'none' }).emitter as { keyFieldDefault: string }).keyFieldDefault, 'none');
});

test('defaults: the dated layout of today, "_unknown", and file takes the same options', (t) => {
  const s3 = resolve({}).emitter as { key: string; keyFieldDefault: string };
  t.is(s3.key, DEFAULT_KEY_TEMPLATE);
  t.is(s3.keyFieldDefault, '_unknown');
  const file = resolveConfig({ ...base, emitter: { type: 'file', key: 'x/{field:a.b}/{shardId}/{firstSeq}' } }, { baseDir: '/srv', env: {} }).emitter as { key: string };
  t.is(file.key, 'x/{field:a.b}/{shardId}/{firstSeq}');
  t.throws(() => resolveConfig({ ...base, emitter: { type: 'kinesis', stream: 'out', key: '{shardId}/{firstSeq}' } }, { baseDir: '/srv', env: {} }),
    { message: /^emitter\.key is not a known option/ });
  t.like(t.throws(() => parseKeyTemplate('{x}')), { name: 'KeyTemplateProblem', code: 'KEY_TEMPLATE_INVALID', retriable: false });
  t.deepEqual(parseKeyTemplate('t={field:type}/{arrival:yyyy}/{shardId}-{firstSeq}').recordParts,
    [{ kind: 'field', path: ['type'] }, { kind: 'arrival', format: 'yyyy' }]);
});

test('an emitter given a bad template refuses it at construction', (t) => {
  t.is(t.throws(() => new FileEmitter({ dir: '/tmp/x', key: '{shardId}' }), { instanceOf: ConfigError })?.message,
    'key must contain {shardId} and {firstSeq} (so that no two objects share a key), got "{shardId}"');
});

test('record values are encoded: safe characters kept, every other UTF-8 byte as %XX, dot names and non-values replaced', (t) => {
  t.is(encodeKeyValue('click_v2.0-a', '_unknown'), 'click_v2.0-a');
  t.is(encodeKeyValue('../x', '_unknown'), '..%2Fx');
  t.is(encodeKeyValue('a/b', '_unknown'), 'a%2Fb');
  t.is(encodeKeyValue('..', '_unknown'), '%2E%2E');
  t.is(encodeKeyValue('.', '_unknown'), '%2E');
  t.is(encodeKeyValue('é ✓', '_unknown'), '%C3%A9%20%E2%9C%93');
  t.is(encodeKeyValue('a%2Fb', '_unknown'), 'a%252Fb');
  t.is(encodeKeyValue('\\\0\n', '_unknown'), '%5C%00%0A');
  t.is(encodeKeyValue(42, '_unknown'), '42');
  t.is(encodeKeyValue(-1.5, '_unknown'), '-1.5');
  t.is(encodeKeyValue(true, '_unknown'), 'true');
  for (const v of ['', undefined, null, { a: 1 }, ['x'], Number.NaN]) t.is(encodeKeyValue(v, 'none'), 'none');
  t.is(fieldValue({ user: { id: 'u1' } }, ['user', 'id']), 'u1');
  t.is(fieldValue({ user: ['u1'] }, ['user', '0']), undefined);
  t.is(fieldValue('text', ['a']), undefined);
  t.is(fieldValue({ a: null }, ['a', 'b']), undefined);
});

test('arrival formats in UTC, across midnight, with literal characters kept', (t) => {
  const f = new ArrivalFormatter('yyyy-MM-dd/HH');
  const beforeMidnight = Date.UTC(2024, 11, 31, 23, 59, 59, 999);
  t.is(f.format(beforeMidnight), '2024-12-31/23');
  t.is(f.format(beforeMidnight + 1), '2025-01-01/00');
  t.is(f.format(beforeMidnight), '2024-12-31/23', 'the cache follows the unit, back and forth');
  t.is(f.unitMs, 3_600_000);
  t.is(new ArrivalFormatter('yyyyMMddTHHmmss').format(Date.UTC(2024, 1, 29, 7, 8, 9)), '20240229T070809');
  t.is(new ArrivalFormatter('static').format(0), 'static', 'no token: the format as it is');
});

const scheme = (key: string, extra: Partial<KeyScheme> = {}): KeyScheme =>
  ({ prefix: 'lake/', template: parseKeyTemplate(key), fieldDefault: '_unknown', extension: '', gzip: false, ...extra });

test('a batch with partitions: one object per partition, its records in order, its own first and last sequence numbers', (t) => {
  const sq = seqs(5);
  const batch = { ...makeBatch(['a0', 'b1', 'a2', 'c3', 'a4'], sq), partitions: ['a', 'b', 'c'], partitionOf: Uint32Array.from([0, 1, 0, 2, 0]) };
  const objects = batchObjects(scheme('type={field:type}/{shardId}/{firstSeq}-{lastSeq}', { gzip: true }), batch);
  t.deepEqual(objects.map((o) => o.key), [
    `lake/type=a/shardId-000000000000/${sq[0]}-${sq[4]}.gz`,
    `lake/type=b/shardId-000000000000/${sq[1]}-${sq[1]}.gz`,
    `lake/type=c/shardId-000000000000/${sq[3]}-${sq[3]}.gz`,
  ]);
  t.deepEqual(objects.map((o) => Buffer.from(o.batch.data).toString()), ['a0\na2\na4\n', 'b1\n', 'c3\n']);
  t.deepEqual(objects.map((o) => o.batch.count), [3, 1, 1]);
});

test('hostile partition values stay inside the prefix, in one segment of their own', (t) => {
  const hostile = ['../x', 'a/b', '..', '.', 'é/..', '%2e%2e', '_unknown'].map((v) => encodeKeyValue(v, '_unknown'));
  const sq = seqs(hostile.length);
  const batch = { ...makeBatch(hostile.map((_, i) => `r${i}`), sq), partitions: hostile, partitionOf: Uint32Array.from(hostile.map((_, i) => i)) };
  const keys = batchObjects(scheme('t={field:type}/{shardId}/{firstSeq}'), batch).map((o) => o.key);
  t.is(keys.length, hostile.length);
  for (const key of keys) {
    const segments = key.split('/');
    t.is(segments.length, 4, key);
    t.is(segments[0], 'lake');
    t.true(segments.every((s) => s !== '..' && s !== '.' && s !== ''), key);
  }
  t.deepEqual(keys.map((k) => k.split('/')[1]), ['t=..%2Fx', 't=a%2Fb', 't=%2E%2E', 't=%2E', 't=%C3%A9%2F..', 't=%252e%252e', 't=_unknown']);
  const alone = { ...makeBatch(['r'], ['1']), partitions: [encodeKeyValue('..', '_unknown')], partitionOf: Uint32Array.from([0]) };
  t.is(batchObjects(scheme('{field:type}/{shardId}/{firstSeq}'), alone)[0].key, 'lake/%2E%2E/shardId-000000000000/1');
});

test('a hostile sequence number or shard id fails the batch before any key is made', (t) => {
  const batch = { ...makeBatch(['a'], ['1']), partitions: ['a'], partitionOf: Uint32Array.from([0]) };
  t.like(t.throws(() => batchObjects(scheme('{field:t}/{shardId}/{firstSeq}'), { ...batch, seqs: Buffer.from('../'), seqOffsets: Uint32Array.from([0, 3]) })),
    { code: 'PATH_ESCAPE', retriable: false });
  t.like(t.throws(() => batchObjects(scheme('{field:t}/{shardId}/{firstSeq}'), { ...batch, shardId: '../x' })), { code: 'BAD_SHARD_ID' });
});

test('a batch without partitions is one object: the default template is batchKey, others dated by the first arrival', (t) => {
  const batch = { ...makeBatch(['a', 'b'], ['10', '11']), firstArrival: Date.UTC(2024, 0, 2, 3) };
  t.deepEqual(batchObjects(scheme(DEFAULT_KEY_TEMPLATE, { extension: '.parquet' }), batch).map((o) => o.key),
    [batchKey('lake/', batch, false, '.parquet')]);
  t.is(batchKey('lake/', batch, false, '.parquet'), 'lake/2024/01/02/shardId-000000000000/10-11.parquet');
  t.deepEqual(batchObjects(scheme('{field:t}/h={arrival:HH}/{shardId}/{firstSeq}-{lastSeq}'), batch).map((o) => o.key),
    ['lake/_unknown/h=03/shardId-000000000000/10-11']);
  const empty = { ...makeBatch(['a'], ['1']), count: 0, partitions: [], partitionOf: new Uint32Array(0) };
  t.deepEqual(batchObjects(scheme(DEFAULT_KEY_TEMPLATE), empty), [], 'a batch with nothing kept has no object');
});
