// Which problem a config with several is reported for: the first in the order options are
// checked, with an object's unknown keys (and rules across options) before what is inside it.
import test from 'ava';
import { resolveConfig } from '../src/config/config.js';
import { ConfigError } from '../src/core/errors.js';

const base = { app: 'clicks-to-s3', stream: 'clicks' };
const role = 'arn:aws:iam::123456789012:role/redshift-copy';
const redshift = { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't' };

const cases: Array<[string, Record<string, unknown>, Record<string, string>, string]> = [
  ['an unknown top-level key before everything', { app: 'a:b', bogus: 1, buffer: { maxRecords: 0 } }, {}, 'bogus is not a known option'],
  ['options in order', { app: 'a:b', buffer: { maxRecords: 0 } }, {}, 'app must not contain'],
  ['sections in order', { buffer: { maxRecords: 0 }, kinesis: { maxAttempts: 0 } }, {}, 'kinesis.maxAttempts must be a positive integer'],
  ['a section\'s unknown key before its bad values', { buffer: { maxRecords: 0, maxRecord: 5 } }, {}, 'buffer.maxRecord is not a known option'],
  ['a deeper unknown key after an earlier section\'s bad value', { kinesis: { maxAttempts: 0 }, buffer: { maxRecord: 5 } }, {}, 'kinesis.maxAttempts'],
  ['a key no emitter knows before a bad type', { emitter: { type: 'ftp', foo: 1 } }, {},
    'emitter.foo is not a known option (known: type, threads, bucket, prefix, gzip, region, endpoint, forcePathStyle, key, keyFieldDefault, format, parquet, exactlyOnce, manifestStream, url, columns, iamRole, accessKeyId, secretAccessKey, table, fileTable, dataTable, copyMandatory, stream, partitionKey, dir)'],
  ['a key of another emitter before the type\'s own problems', { emitter: { type: 'kinesis', stream: 'no spaces', bucket: 'b' } }, {},
    'emitter.bucket is not a known option (known: type, threads, stream, region, endpoint, partitionKey)'],
  ['emitter options in the order they are checked', { emitter: { type: 's3', bucket: 'Bad_Bucket', prefix: '/x', endpoint: 'ftp://x' } }, {}, 'emitter.bucket'],
  ['the endpoint before the prefix', { emitter: { type: 's3', bucket: 'b-1', prefix: '/x', endpoint: 'ftp://x' } }, {}, 'emitter.endpoint must use http: or https:'],
  ['the partition key before the stream', { emitter: { type: 'kinesis', stream: 'no spaces', partitionKey: 'random' } }, {}, 'emitter.partitionKey'],
  ['postgres columns before the url', { emitter: { type: 'postgres', columns: [], url: 'mysql://h/db', table: 't' } }, {}, 'emitter.columns'],
  ['both authorizations before a malformed key', { emitter: { ...redshift, iamRole: role, accessKeyId: 5 } }, {}, 'emitter.iamRole and access keys are exclusive'],
  ['both authorizations before a malformed role', { emitter: { ...redshift, iamRole: 'admin', secretAccessKey: 's' } }, {}, 'emitter.iamRole and access keys are exclusive'],
  ['a missing authorization before the format and the table', { emitter: { ...redshift, table: 'a..b', format: 'csv' } }, {}, 'emitter.iamRole or emitter.accessKeyId'],
  ['a missing key id before a malformed secret', { emitter: { ...redshift, secretAccessKey: '' } }, {}, 'emitter.accessKeyId must be a non-empty string, got undefined'],
  ['the S3 options before the authorization', { emitter: { ...redshift, bucket: 'Bad_Bucket' } }, {}, 'emitter.bucket'],
  ['a bad REDIS_URL where checkpoint.redis is', { checkpoint: { intervalMs: 0 } }, { REDIS_URL: 'http://u:pw@x' }, 'REDIS_URL must use redis: or rediss:, got "http://u:***@x/"'],
  ['a bad REDIS_URL before a fractional checkpoint.intervalMs', { checkpoint: { intervalMs: 1.5 } }, { REDIS_URL: 'ftp://h' }, 'REDIS_URL must use redis: or rediss:'],
  ['REDIS_URL not read when a file is named', { checkpoint: { file: './cp.json', intervalMs: 0 } }, { REDIS_URL: 'http://u:pw@x' }, 'checkpoint.intervalMs'],
  ['a bad REDSHIFT_URL where emitter.url is', { emitter: { ...redshift, url: undefined, iamRole: role, table: '' } }, { REDSHIFT_URL: 'mysql://u:pw@h/db' },
    'REDSHIFT_URL must use postgres: or postgresql:, got "mysql://u:***@h/db"'],
];

for (const [name, extra, env, message] of cases) {
  test(`first problem: ${name}`, (t) => {
    const err = t.throws(() => resolveConfig({ ...base, ...extra }, { baseDir: '/srv/app', env }), { instanceOf: ConfigError });
    t.true(err.message.startsWith(message), `got: ${err.message}`);
  });
}
