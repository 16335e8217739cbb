import test from 'ava';
import { resolveConfig, DEFAULTS } from '../src/config/config.js';
import { ConfigError } from '../src/core/errors.js';
import { defaultWorkerId } from '../src/config/sections.js';
import { hostname } from 'node:os';

const base = { app: 'clicks-to-s3', stream: 'clicks' };
const resolve = (extra: Record<string, unknown>, env: Record<string, string> = {}) =>
  resolveConfig({ ...base, ...extra }, { baseDir: '/srv/app', env });

test('defaults fill every option', (t) => {
  const c = resolve({});
  t.is(c.startPosition, 'TRIM_HORIZON');
  t.deepEqual(c.buffer, DEFAULTS.buffer);
  t.is(c.emitter.type, 'file');
  t.is(c.checkpoint.redis, undefined);
  t.is(c.checkpoint.file, '/srv/app/checkpoints.json');
  t.is(c.deadLetter.dir, '/srv/app/dead-letter');
  t.deepEqual(c.source, { type: 'kinesis' });
  t.is(c.kinesis.protocol, 'cbor');
  t.is(resolve({ kinesis: { protocol: 'json' } }).kinesis.protocol, 'json');
});

test('transform.rawFraming: "lines" for emitters that store lines unless set; none with a module or a per-record emitter', (t) => {
  t.is(resolve({}).transform.rawFraming, 'lines');
  t.is(resolve({ emitter: { type: 's3', bucket: 'b-1' } }).transform.rawFraming, 'lines');
  t.is(resolve({ transform: { rawFraming: 'base64' } }).transform.rawFraming, 'base64');
  t.is(resolve({ transform: { module: './t.js' } }).transform.rawFraming, undefined);
  t.is(resolve({ emitter: { type: 'kinesis', stream: 'out' } }).transform.rawFraming, undefined);
  t.is(resolve({ emitter: { type: 'postgres', url: 'postgres://h/db', table: 't' } }).transform.rawFraming, undefined);
});

test('relative paths resolve from the config folder', (t) => {
  const c = resolve({ transform: { module: './transform.js' }, deadLetter: { dir: 'dl' }, emitter: { type: 'file', dir: '/abs/out' } });
  t.is(c.transform.module, '/srv/app/transform.js');
  t.is(c.deadLetter.dir, '/srv/app/dl');
  t.is(c.emitter.type === 'file' && c.emitter.dir, '/abs/out');
});

test('REDIS_URL selects Redis when the config names no store', (t) => {
  t.is(resolve({}, { REDIS_URL: 'redis://127.0.0.1:6379' }).checkpoint.redis, 'redis://127.0.0.1:6379');
  t.is(resolve({ checkpoint: { file: './cp.json' } }, { REDIS_URL: 'redis://127.0.0.1:6379' }).checkpoint.redis, undefined);
});

test('the example config from the README is valid', (t) => {
  const c = resolve({
    kinesis: { region: 'us-east-1', endpoint: 'http://127.0.0.1:4567' },
    startPosition: 'TRIM_HORIZON',
    checkpoint: { redis: 'redis://127.0.0.1:6379' },
    transform: { module: './transform.js', threads: 2 },
    buffer: { maxRecords: 500, maxBytes: 1048576, maxAgeMs: 1000 },
    emitter: { type: 's3', bucket: 'events', prefix: 'clicks/', gzip: false, endpoint: 'http://127.0.0.1:4569', forcePathStyle: true, region: 'us-east-1' },
    deadLetter: { dir: './dead-letter' },
  });
  t.is(c.emitter.type, 's3');
  t.is(c.transform.threads, 2);
});

const bad: Array<[string, Record<string, unknown>, string]> = [
  ['missing app', { app: undefined }, 'app must be a non-empty string, got undefined'],
  ['app with a colon', { app: 'a:b' }, 'app must not contain \':\' or spaces, got "a:b"'],
  ['bad stream name', { stream: 'no spaces' }, 'stream must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -), got "no spaces"'],
  ['unknown top-level key', { bufer: {} }, 'bufer is not a known option'],
  ['unknown nested key', { buffer: { maxRecord: 5 } }, 'buffer.maxRecord is not a known option'],
  ['string count', { buffer: { maxBytes: 'abc' } }, 'buffer.maxBytes must be a positive integer, got "abc"'],
  ['zero records', { buffer: { maxRecords: 0 } }, 'buffer.maxRecords must be a positive integer, got 0'],
  ['fractional age', { buffer: { maxAgeMs: 1.5 } }, 'buffer.maxAgeMs must be a positive integer, got 1.5'],
  ['section not an object', { buffer: 5 }, 'buffer must be an object, got 5'],
  ['bad start position', { startPosition: 'yesterday' }, 'startPosition must be "TRIM_HORIZON", "LATEST" or an ISO timestamp, got "yesterday"'],
  ['bad redis url', { checkpoint: { redis: 'http://x' } }, 'checkpoint.redis must use redis: or rediss:, got "http://x/"'],
  ['password hidden', { checkpoint: { redis: 'http://u:secret@x' } }, 'checkpoint.redis must use redis: or rediss:, got "http://u:***@x/"'],
  ['unparseable URL with a password hidden', { checkpoint: { redis: 'redis://:p#w/x@h' } }, 'checkpoint.redis must be a URL (redis: or rediss:), got "redis://***@h"'],
  ['bad endpoint', { kinesis: { endpoint: 'not a url' } }, 'kinesis.endpoint must be a URL (http: or https:), got "not a url"'],
  ['bad kinesis protocol', { kinesis: { protocol: 'http2' } }, 'kinesis.protocol must be "cbor" or "json", got "http2"'],
  ['kinesis protocol not a string', { kinesis: { protocol: 1 } }, 'kinesis.protocol must be a non-empty string, got 1'],
  ['unknown emitter', { emitter: { type: 'ftp' } }, 'emitter.type must be one of "s3", "s3-manifest", "redshift", "redshift-manifest", "kinesis", "postgres", "file", "discard", got "ftp"'],
  ['manifest without stream', { emitter: { type: 's3-manifest', bucket: 'b-1' } }, 'emitter.manifestStream must be a non-empty string, got undefined'],
  ['redshift without auth', { emitter: { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't' } }, 'emitter.iamRole or emitter.accessKeyId and emitter.secretAccessKey must be set'],
  ['redshift role and keys', { emitter: { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't', iamRole: 'arn:aws:iam::123456789012:role/r', accessKeyId: 'A' } }, 'emitter.iamRole and access keys are exclusive'],
  ['redshift bad role', { emitter: { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't', iamRole: 'admin' } }, 'emitter.iamRole must be an IAM role ARN'],
  ['redshift secret missing, not shown', { emitter: { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't', accessKeyId: 'AKIA1' } }, 'emitter.secretAccessKey must be a non-empty string when emitter.accessKeyId is set (value not shown)'],
  ['redshift bad format', { emitter: { type: 'redshift', bucket: 'b-1', url: 'postgres://rs:5439/db', table: 't', iamRole: 'arn:aws:iam::123456789012:role/r', format: 'csv' } }, 'emitter.format must be "json-auto", {"jsonPaths": "s3://bucket/key"} or {"delimiter": "<one character>"}, got "csv"'],
  ['redshift without url', { emitter: { type: 'redshift', bucket: 'b-1', table: 't', iamRole: 'arn:aws:iam::123456789012:role/r' } }, 'emitter.url must be a postgres:// URL (or set REDSHIFT_URL), got undefined'],
  ['redshift-manifest without file table', { emitter: { type: 'redshift-manifest', bucket: 'b-1', url: 'postgres://rs:5439/db', dataTable: 't', iamRole: 'arn:aws:iam::123456789012:role/r' } }, 'emitter.fileTable must be a non-empty string, got undefined'],
  ['redshift-manifest bad copyMandatory', { emitter: { type: 'redshift-manifest', bucket: 'b-1', url: 'postgres://rs:5439/db', dataTable: 't', fileTable: 'f', iamRole: 'arn:aws:iam::123456789012:role/r', copyMandatory: 'no' } }, 'emitter.copyMandatory must be true or false, got "no"'],
  ['kinesis bad partition key', { emitter: { type: 'kinesis', stream: 'out', partitionKey: 'random' } }, 'emitter.partitionKey must be "sequence" or "source-shard", got "random"'],
  ['postgres bad columns', { emitter: { type: 'postgres', url: 'postgres://h/db', table: 't', columns: ['a'] } }, 'emitter.columns must map column names to JSON field names'],
  ['postgres password hidden', { emitter: { type: 'postgres', url: 'mysql://u:pw@h/db', table: 't' } }, 'emitter.url must use postgres: or postgresql:, got "mysql://u:***@h/db"'],
  ['option of another emitter type', { emitter: { type: 'kinesis', stream: 'out', bucket: 'b' } }, 'emitter.bucket is not a known option'],
  ['s3 without bucket', { emitter: { type: 's3' } }, 'emitter.bucket must be a non-empty string, got undefined'],
  ['bad bucket', { emitter: { type: 's3', bucket: 'Bad_Bucket' } }, 'emitter.bucket must be an S3 bucket name (3-63 of a-z 0-9 . -), got "Bad_Bucket"'],
  ['option of another emitter', { emitter: { type: 'file', bucket: 'b' } }, 'emitter.bucket is not a known option'],
  ['gzip not boolean', { emitter: { type: 'file', gzip: 'yes' } }, 'emitter.gzip must be true or false, got "yes"'],
  ['absolute prefix', { emitter: { type: 'file', prefix: '/etc/' } }, 'emitter.prefix must be a relative key prefix such as "clicks/", got "/etc/"'],
  ['too many threads', { transform: { threads: 1000 } }, 'transform.threads must be a positive integer no larger than 256, got 1000'],
  ['bad raw framing', { transform: { rawFraming: 'json' } }, 'transform.rawFraming must be "lines" or "base64", got "json"'],
  ['raw framing not a string', { transform: { rawFraming: 64 } }, 'transform.rawFraming must be a non-empty string, got 64'],
  ['raw framing with a module', { transform: { module: './t.js', rawFraming: 'base64' } },
    'transform.rawFraming applies only without transform.module (a transform module writes its outputs as it returns them), got "base64"'],
  ['raw framing with a per-record emitter', { transform: { rawFraming: 'lines' }, emitter: { type: 'kinesis', stream: 'out' } },
    'transform.rawFraming applies only to the file, s3, s3-manifest, redshift emitters (the kinesis emitter takes each record as it is), got "lines"'],
  ['negative poll', { reader: { pollIntervalMs: -1 } }, 'reader.pollIntervalMs must be a non-negative integer, got -1'],
  ['idle poll below the poll', { reader: { pollIntervalMs: 1000, maxIdlePollIntervalMs: 500 } }, 'reader.maxIdlePollIntervalMs must be >= reader.pollIntervalMs (1000), got 500'],
  ['idle poll not a number', { reader: { maxIdlePollIntervalMs: 'soon' } }, 'reader.maxIdlePollIntervalMs must be a non-negative integer, got "soon"'],
  ['restart max below base', { restart: { baseMs: 1000, maxMs: 10 } }, 'restart.maxMs must be >= restart.baseMs (1000), got 10'],
  ['bad source', { source: { type: 'kafka' } }, 'source.type must be "kinesis" or "files", got "kafka"'],
  ['bad log level', { logLevel: 'loud' }, 'logLevel must be one of debug, info, warn, error, silent, got "loud"'],
  ['worker id with a space', { worker: { id: 'worker 1' } }, 'worker.id must be at most 200 characters without spaces, got "worker 1"'],
  ['worker id too long', { worker: { id: 'w'.repeat(201) } }, `worker.id must be at most 200 characters without spaces, got "${'w'.repeat(201)}"`],
  ['worker id empty', { worker: { id: '' } }, 'worker.id must be a non-empty string, got ""'],
  ['worker id not a string', { worker: { id: 7 } }, 'worker.id must be a non-empty string, got 7'],
  ['unknown worker key', { worker: { name: 'w' } }, 'worker.name is not a known option'],
  ['lease too short', { lease: { durationMs: 99 } }, 'lease.durationMs must be an integer >= 100, got 99'],
  ['lease duration fractional', { lease: { durationMs: 1000.5 } }, 'lease.durationMs must be an integer >= 100, got 1000.5'],
  ['renew interval equal to the duration', { lease: { durationMs: 3000, renewIntervalMs: 3000 } }, 'lease.renewIntervalMs must be < lease.durationMs (3000), got 3000'],
  ['renew interval above the default duration', { lease: { renewIntervalMs: 20000 } }, 'lease.renewIntervalMs must be < lease.durationMs (10000), got 20000'],
  ['renew interval zero', { lease: { renewIntervalMs: 0 } }, 'lease.renewIntervalMs must be a positive integer, got 0'],
  ['too many steals', { lease: { maxStealsPerInterval: 1001 } }, 'lease.maxStealsPerInterval must be a non-negative integer no larger than 1000, got 1001'],
  ['negative steals', { lease: { maxStealsPerInterval: -1 } }, 'lease.maxStealsPerInterval must be a non-negative integer no larger than 1000, got -1'],
  ['unknown lease key', { lease: { duration: 5 } }, 'lease.duration is not a known option'],
];

for (const [name, extra, message] of bad) {
  test(`config error: ${name}`, (t) => {
    const err = t.throws(() => resolve(extra), { instanceOf: ConfigError });
    t.true(err.message.startsWith(message), `got: ${err.message}`);
    t.is(err.code, 'CONFIG_INVALID');
  });
}

test('every emitter type resolves with its defaults', (t) => {
  const role = 'arn:aws:iam::123456789012:role/redshift-copy';
  t.like(resolve({ emitter: { type: 's3-manifest', bucket: 'b-1', manifestStream: 'manifests' } }).emitter,
    { type: 's3-manifest', bucket: 'b-1', manifestStream: 'manifests', prefix: '', gzip: false, forcePathStyle: false });
  t.like(resolve({ emitter: { type: 'redshift', bucket: 'b-1', table: 'events', iamRole: role } }, { REDSHIFT_URL: 'postgres://rs:5439/db' }).emitter,
    { type: 'redshift', url: 'postgres://rs:5439/db', table: 'events', format: 'json-auto', auth: { iamRole: role } });
  t.like(resolve({ emitter: { type: 'redshift-manifest', bucket: 'b-1', url: 'postgres://rs:5439/db', dataTable: 'events', fileTable: 'files', iamRole: role, format: { delimiter: '|' } } }).emitter,
    { type: 'redshift-manifest', dataTable: 'events', fileTable: 'files', format: { delimiter: '|' }, copyMandatory: true });
  t.like(resolve({ emitter: { type: 'redshift-manifest', bucket: 'b-1', url: 'postgres://rs:5439/db', dataTable: 'events', fileTable: 'files', iamRole: role, copyMandatory: false } }).emitter,
    { type: 'redshift-manifest', copyMandatory: false });
  t.like(resolve({ emitter: { type: 'kinesis', stream: 'out' } }).emitter, { type: 'kinesis', stream: 'out', partitionKey: 'sequence', region: 'us-east-1' });
  t.like(resolve({ emitter: { type: 'postgres', table: 'events', columns: { user_id: 'user.id' } } }, { DATABASE_URL: 'postgres://127.0.0.1/test' }).emitter,
    { type: 'postgres', url: 'postgres://127.0.0.1/test', table: 'events', columns: { user_id: 'user.id' } });
});

test('a config that is not an object', (t) => {
  t.throws(() => resolveConfig([], {}), { message: 'config must be an object, got []' });
});

test('worker and lease defaults: the worker id drawn by each Pipeline, renewIntervalMs a third of durationMs', (t) => {
  const c = resolve({});
  t.is(c.worker.id, undefined, 'the resolved config stays a pure function of the options');
  const id = defaultWorkerId();
  t.regex(id, new RegExp(`^${hostname().replace(/\s/g, '_').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-${process.pid}-[0-9a-f]{6}$`));
  t.notRegex(id, /\s/);
  t.not(defaultWorkerId(), id, 'unique per draw');
  t.deepEqual(c.lease, { durationMs: 10_000, renewIntervalMs: 3333, maxStealsPerInterval: 1 });
  t.is(resolve({ worker: { id: 'worker-1' } }).worker.id, 'worker-1');
  t.deepEqual(resolve({ lease: { durationMs: 100 } }).lease, { durationMs: 100, renewIntervalMs: 33, maxStealsPerInterval: 1 });
  t.deepEqual(resolve({ lease: { durationMs: 3000, renewIntervalMs: 2999, maxStealsPerInterval: 0 } }).lease,
    { durationMs: 3000, renewIntervalMs: 2999, maxStealsPerInterval: 0 });
  t.is(resolve({ lease: { maxStealsPerInterval: 1000 } }).lease.maxStealsPerInterval, 1000);
});
