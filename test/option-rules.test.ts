// A rule that the config file and an emitter's constructor both check is one rule: each value is
// accepted by both or refused by both.
import test from 'ava';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { resolveConfig } from '../src/config/config.js';
import { ConfigError } from '../src/core/errors.js';
import { KinesisEmitter, type KinesisEmitterOptions } from '../src/emitters/kinesis/kinesis-emitter.js';
import { PostgresEmitter, type PostgresEmitterOptions } from '../src/emitters/postgres/postgres-emitter.js';
import { RedshiftBasicEmitter } from '../src/emitters/redshift/redshift-basic-emitter.js';
import { RedshiftManifestEmitter } from '../src/emitters/redshift/redshift-manifest-emitter.js';

const role = 'arn:aws:iam::123456789012:role/loader';
const pgUrl = 'postgres://u@127.0.0.1:9/db';

/** The message resolveConfig refuses `emitter` with, or undefined when it accepts it. */
function config(emitter: Record<string, unknown>): string | undefined {
  try {
    resolveConfig({ app: 'a', stream: 's', emitter }, { baseDir: '/srv', env: {} });
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

/** The message a constructor refuses its options with, or undefined when it accepts them (the emitter is closed). */
function construct(make: () => { close(): Promise<void> }): string | undefined {
  try {
    void make().close();
    return undefined;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.message;
  }
}

function redshiftBasic(options: Record<string, unknown>): string | undefined {
  const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
  const message = construct(() => new RedshiftBasicEmitter({ s3: { client, bucket: 'b-1' }, connectionString: pgUrl, table: 't',
    authorization: { iamRole: role }, ...options }));
  if (message !== undefined) client.destroy();
  return message;
}

function redshiftManifest(options: Record<string, unknown>): string | undefined {
  const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
  const message = construct(() => new RedshiftManifestEmitter({ s3: { client, bucket: 'b-1' }, connectionString: pgUrl, dataTable: 'd',
    fileTable: 'f', authorization: { iamRole: role }, ...options }));
  if (message !== undefined) client.destroy();
  return message;
}

function postgres(options: Partial<PostgresEmitterOptions>): string | undefined {
  return construct(() => new PostgresEmitter({ connectionString: pgUrl, table: 't', ...options }));
}

const redshiftConfig = (extra: Record<string, unknown>) => config({ type: 'redshift', bucket: 'b-1', url: pgUrl, table: 't', iamRole: role, ...extra });
const manifestConfig = (extra: Record<string, unknown>) =>
  config({ type: 'redshift-manifest', bucket: 'b-1', url: pgUrl, dataTable: 'd', fileTable: 'f', iamRole: role, ...extra });

/** Asserts that every judge accepts the `good` values and refuses the `bad` ones. */
function judgedAlike(t: import('ava').ExecutionContext, judges: Record<string, (value: unknown) => string | undefined>,
  good: unknown[], bad: unknown[]): void {
  for (const [name, judge] of Object.entries(judges)) {
    for (const value of good) t.is(judge(value), undefined, `${name} accepts ${JSON.stringify(value)}`);
    for (const value of bad) t.not(judge(value), undefined, `${name} refuses ${JSON.stringify(value)}`);
  }
}

const GOOD_TABLES = ['events', 'analytics.events', 'odd "name"', 'ünïcode'];
const BAD_TABLES = ['', ' ', 'a..b', '.a', 'a.', 'a\0b', 5];

test('a table name is judged alike by the config and by the emitters', (t) => {
  judgedAlike(t, {
    'config postgres table': (table) => config({ type: 'postgres', url: pgUrl, table }),
    'config redshift table': (table) => redshiftConfig({ table }),
    'config redshift fileTable': (fileTable) => redshiftConfig({ fileTable }),
    'config redshift-manifest dataTable': (dataTable) => manifestConfig({ dataTable }),
    'PostgresEmitter table': (table) => postgres({ table: table as string }),
    'RedshiftBasicEmitter table': (table) => redshiftBasic({ table }),
    'RedshiftBasicEmitter fileTable': (fileTable) => redshiftBasic({ fileTable }),
    'RedshiftManifestEmitter dataTable': (dataTable) => redshiftManifest({ dataTable }),
    'RedshiftManifestEmitter fileTable': (fileTable) => redshiftManifest({ fileTable }),
  }, GOOD_TABLES, BAD_TABLES);
  t.is(config({ type: 'postgres', url: pgUrl, table: 'a..b' }), 'emitter.table must be a table name such as "events" or "analytics.events", got "a..b"');
  t.is(redshiftBasic({ table: 'a..b' }), 'table must be a non-empty table or column name, got "a..b"');
});

test('a Redshift column list is judged alike', (t) => {
  judgedAlike(t, {
    config: (columns) => redshiftConfig({ columns }),
    RedshiftBasicEmitter: (columns) => redshiftBasic({ columns }),
  }, [['id'], ['id', 'schema.col']], [[], [''], [' '], ['a..b'], 'id', [5]]);
});

test('a Redshift delimiter is judged alike: one character, not a backslash, NUL or newline', (t) => {
  judgedAlike(t, {
    config: (delimiter) => redshiftConfig({ format: { delimiter } }),
    RedshiftBasicEmitter: (delimiter) => redshiftBasic({ format: { delimiter } }),
  }, [',', '|', '\t', 'é', '😀'], ['', '||', '\\', '\n', '\0', 5]);
  t.is(redshiftBasic({ format: { delimiter: '\\' } }), 'format.delimiter must be one character (not a backslash or newline), got "\\\\"');
});

test('a Redshift format and its jsonpaths URL are judged alike', (t) => {
  judgedAlike(t, {
    config: (format) => redshiftConfig({ format }),
    RedshiftBasicEmitter: (format) => redshiftBasic({ format }),
  }, ['json-auto', { jsonPaths: 's3://b/paths.json' }, { delimiter: ',' }],
  ['csv', {}, [], { jsonPaths: 'paths.json' }, { jsonPaths: 's3://b' }, { jsonPaths: 's3://b/k\\x' }, { jsonPaths: 's3://b/k', delimiter: ',' }]);
});

test('a Redshift authorization is judged alike', (t) => {
  const keys = (accessKeyId: unknown, secretAccessKey: unknown) => ({ accessKeyId, secretAccessKey });
  judgedAlike(t, {
    config: (auth) => redshiftConfig({ iamRole: undefined, ...(auth as object) }),
    RedshiftBasicEmitter: (auth) => redshiftBasic({ authorization: auth }),
  }, [{ iamRole: role }, { iamRole: 'arn:aws-cn:iam::123456789012:role/path/r' }, keys('AKIA1', 'secret/+=')],
  [{ iamRole: 'admin' }, { iamRole: `${role}\\x` }, keys('AK\\IA', 's'), keys('AKIA1', 'se\\cret'), keys('AKIA1', ''), { iamRole: role, ...keys('a', 's') }]);
  t.is(redshiftBasic({ authorization: { iamRole: 'admin' } }),
    'authorization.iamRole must be an IAM role ARN such as "arn:aws:iam::123456789012:role/redshift-copy", got "admin"');
});

test('an S3 key prefix is judged alike', (t) => {
  judgedAlike(t, {
    config: (prefix) => redshiftConfig({ prefix }),
    RedshiftBasicEmitter: (prefix) => {
      const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
      const message = construct(() => new RedshiftBasicEmitter({ s3: { client, bucket: 'b-1', prefix: prefix as string }, connectionString: pgUrl,
        table: 't', authorization: { iamRole: role } }));
      if (message !== undefined) client.destroy();
      return message;
    },
  }, ['', 'clicks/', 'a/b-'], ['/abs/', 'a/../b', 5]);
});

test('a PostgreSQL column mapping is judged alike, with the same message', (t) => {
  const judges = {
    config: (columns: unknown) => config({ type: 'postgres', url: pgUrl, table: 't', columns }),
    PostgresEmitter: (columns: unknown) => postgres({ columns: columns as Record<string, string> }),
  };
  judgedAlike(t, judges, [{ user_id: 'user.id' }, { a: 'a', b: 'x.y.z' }], [{}, { 'a.b': 'x' }, { shard_id: 'x' }, { a: 'u..v' }, { a: '' }, { a: 5 }]);
  for (const columns of [{ 'a.b': 'x' }, { shard_id: 'x' }, { a: 'u..v' }]) t.is(judges.config(columns), `emitter.${judges.PostgresEmitter(columns)}`);
});

test('a Kinesis partition key is judged alike', (t) => {
  judgedAlike(t, {
    config: (partitionKey) => config({ type: 'kinesis', stream: 'out', partitionKey }),
    KinesisEmitter: (partitionKey) => {
      const client = createKinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
      const message = construct(() => new KinesisEmitter({ client, stream: 'out', partitionKey } as KinesisEmitterOptions));
      if (message !== undefined) client.destroy();
      return message;
    },
  }, ['sequence', 'source-shard'], ['random', '', 5]);
});
