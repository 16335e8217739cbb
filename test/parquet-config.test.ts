// The config-file options of Parquet output (emitter.format, emitter.parquet) and their messages.
import test from 'ava';
import { resolveConfig } from '../src/config/config.js';
import { ConfigError } from '../src/core/errors.js';

const resolve = (emitter: Record<string, unknown>) => resolveConfig({ app: 'a', stream: 's', emitter }, { baseDir: '/srv/app', env: {} });

test('format and parquet resolve for the s3 and file emitters; ndjson when unset', (t) => {
  t.like(resolve({ type: 's3', bucket: 'b-1', format: 'parquet' }).emitter, { type: 's3', format: 'parquet', gzip: false });
  t.like(resolve({ type: 'file', format: 'parquet', parquet: { columns: { id: 'string', n: 'int64' } } }).emitter,
    { type: 'file', format: 'parquet', parquet: { columns: { id: 'string', n: 'int64' }, compression: 'snappy' } });
  t.like(resolve({ type: 's3', bucket: 'b-1', format: 'parquet', parquet: { compression: 'zstd' } }).emitter, { parquet: { compression: 'zstd' } });
  const plain = resolve({ type: 's3', bucket: 'b-1', gzip: true }).emitter;
  t.is(plain.type === 's3' && plain.format, undefined, 'no format: NDJSON, as before');
  t.like(resolve({ type: 'file', format: 'ndjson', gzip: true }).emitter, { format: 'ndjson', gzip: true });
});

const bad: Array<[string, Record<string, unknown>, string]> = [
  ['bad format', { type: 's3', bucket: 'b-1', format: 'csv' }, 'emitter.format must be "ndjson" or "parquet", got "csv"'],
  ['format not a string', { type: 'file', format: 1 }, 'emitter.format must be a non-empty string, got 1'],
  ['gzip with parquet (s3)', { type: 's3', bucket: 'b-1', format: 'parquet', gzip: true },
    'emitter.gzip must be false with format "parquet" (a Parquet file compresses itself: set parquet.compression)'],
  ['gzip with parquet (file)', { type: 'file', format: 'parquet', gzip: true },
    'emitter.gzip must be false with format "parquet" (a Parquet file compresses itself: set parquet.compression)'],
  ['parquet options without the format', { type: 'file', parquet: { compression: 'zstd' } }, 'emitter.parquet applies only with format "parquet"'],
  ['bad compression', { type: 's3', bucket: 'b-1', format: 'parquet', parquet: { compression: 'gzip' } },
    'emitter.parquet.compression must be "snappy", "zstd" or "none", got "gzip"'],
  ['bad column type', { type: 'file', format: 'parquet', parquet: { columns: { id: 'string', n: 'int32' } } },
    'emitter.parquet.columns.n must be one of "string", "int64", "double", "boolean", "timestamp", "json", got "int32"'],
  ['columns not a mapping', { type: 'file', format: 'parquet', parquet: { columns: ['id'] } },
    'emitter.parquet.columns must map field names to column types, such as {"user": "string"}, got ["id"]'],
  ['no columns', { type: 'file', format: 'parquet', parquet: { columns: {} } },
    'emitter.parquet.columns must map field names to column types, such as {"user": "string"}, got {}'],
  ['unknown parquet option', { type: 'file', format: 'parquet', parquet: { rowGroupSize: 5 } }, 'emitter.parquet.rowGroupSize is not a known option (known: columns, compression)'],
  ['parquet not an object', { type: 'file', format: 'parquet', parquet: 'snappy' }, 'emitter.parquet must be an object, got "snappy"'],
  ['format on an emitter without it', { type: 's3-manifest', bucket: 'b-1', manifestStream: 'm', format: 'parquet' }, 'emitter.format is not a known option'],
  ['parquet on a redshift emitter', { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't', iamRole: 'arn:aws:iam::123456789012:role/r', parquet: {} },
    'emitter.parquet is not a known option'],
];

for (const [name, emitter, message] of bad) {
  test(`config error: ${name}`, (t) => {
    const err = t.throws(() => resolve(emitter), { instanceOf: ConfigError });
    t.true(err.message.startsWith(message), `got: ${err.message}`);
    t.is(err.code, 'CONFIG_INVALID');
  });
}
