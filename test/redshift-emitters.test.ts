// The Redshift emitters against the local Redshift stand-in (the real PostgreSQL behind a
// pg-protocol proxy that runs COPY from s3rver).
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { createServer } from 'node:net';
import pg from 'pg';
import { packSequenceNumbers, type Batch } from '../src/core/batch.js';
import { ConfigError, EmitError } from '../src/core/errors.js';
import { RedshiftBasicEmitter, createFileTableSql, type RedshiftBasicEmitterOptions } from '../src/emitters/redshift/redshift-basic-emitter.js';
import { RedshiftManifestEmitter, manifestKey, type RedshiftManifestEmitterOptions } from '../src/emitters/redshift/redshift-manifest-emitter.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { S3Emitter } from '../src/emitters/s3/s3-emitter.js';
import { startEnv, type Env } from './helpers/components.js';
import { DATABASE_URL, startLocalRedshift, type LocalRedshift } from '../src/local/local-redshift.js';

const IAM = { iamRole: 'arn:aws:iam::123456789012:role/loader' };
const KEYS = { accessKeyId: 'AKIATESTKEYID0000001', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

let env: Env;
let redshift: LocalRedshift;
let direct: pg.Pool;
const tables: string[] = [];
let counter = 0;

test.before(async () => {
  env = await startEnv();
  redshift = await startLocalRedshift({ s3Client: env.s3Client });
  direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
});

test.after.always(async () => {
  for (const t of tables) await direct?.query(`DROP TABLE IF EXISTS "${t}"`);
  await direct?.end();
  await redshift?.close();
  await env?.close();
});

function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${counter++}`;
}

/** A data table `(id varchar, n int, tag varchar)` and, with `files`, a file table. */
async function createTables(files = true): Promise<{ data: string; files: string; prefix: string }> {
  const data = uniqueName('rs_data');
  const fileTable = uniqueName('rs_files');
  tables.push(data, fileTable);
  await direct.query(`CREATE TABLE "${data}" (id varchar(64), n int, tag varchar(64))`);
  if (files) await direct.query(createFileTableSql(fileTable));
  return { data, files: fileTable, prefix: `${data}/` };
}

/** An emitter closes its S3 client, so each gets its own. */
function s3Client() {
  return createS3Client({ region: 'us-east-1', endpoint: env.s3.endpoint, forcePathStyle: true });
}

/** A Batch of the given lines, as the record buffer would cut it. */
function makeBatch(lines: string[], shardId = 'shardId-000000000000', firstSeq = 1000): Batch {
  const encoded = lines.map((l) => Buffer.from(`${l}\n`, 'utf8'));
  const offsets = new Uint32Array(lines.length + 1);
  encoded.forEach((b, i) => { offsets[i + 1] = offsets[i] + b.length; });
  const sequenceNumbers = lines.map((_, i) => String(firstSeq + i));
  return {
    shardId, firstSeq: sequenceNumbers[0], lastSeq: sequenceNumbers.at(-1)!, count: lines.length,
    data: new Uint8Array(Buffer.concat(encoded)), offsets, ...packSequenceNumbers(sequenceNumbers), createdAt: Date.UTC(2024, 0, 2, 3, 4, 5),
  };
}

function jsonLines(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${prefix}-${i}`, n: i, tag: prefix }));
}

async function count(table: string): Promise<number> {
  return (await direct.query(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0].n;
}

async function fileTableRows(table: string): Promise<string[]> {
  return (await direct.query(`SELECT file FROM "${table}" ORDER BY file`)).rows.map((r: { file: string }) => r.file);
}

function copiesFrom(url: string): number {
  return redshift.copies.filter((c) => c.from === url).length;
}

function basic(o: Partial<RedshiftBasicEmitterOptions> & { table: string; prefix: string }): RedshiftBasicEmitter {
  const { prefix, ...rest } = o;
  return new RedshiftBasicEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString: redshift.connectionString, authorization: IAM, ...rest,
  });
}

function manifestEmitter(o: Partial<RedshiftManifestEmitterOptions> & { dataTable: string; fileTable: string; prefix: string }): RedshiftManifestEmitter {
  const { prefix, ...rest } = o;
  return new RedshiftManifestEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString: redshift.connectionString, authorization: IAM, ...rest,
  });
}

/** First stage of a manifest pipeline: stores batches of JSON lines in S3 and returns their URLs. */
async function storeFiles(prefix: string, batches: number, perBatch: number, gzip = false): Promise<string[]> {
  const s3 = new S3Emitter({ client: env.s3Client, bucket: env.bucket, prefix: `${prefix}files/`, gzip });
  const urls: string[] = [];
  for (let b = 0; b < batches; b++) {
    urls.push((await s3.emit(makeBatch(jsonLines(`${prefix}f${b}`, perBatch), 'shardId-000000000001', 1000 * (b + 1)))).location);
  }
  return urls;
}

test('basic: a batch is stored in S3 and loaded into the table with one COPY', async (t) => {
  const { data, prefix } = await createTables(false);
  const emitter = basic({ table: data, prefix });
  try {
    const batch = makeBatch(jsonLines('b', 250));
    const { location } = await emitter.emit(batch);
    t.is(location, `s3://${env.bucket}/${prefix}2024/01/02/shardId-000000000000/1000-1249`);
    t.is(await count(data), 250);
    const sample = (await direct.query(`SELECT id, n, tag FROM "${data}" WHERE n = 17`)).rows;
    t.deepEqual(sample, [{ id: 'b-17', n: 17, tag: 'b' }]);
    const copies = redshift.copies.filter((c) => c.from === location);
    t.is(copies.length, 1);
    t.like(copies[0], { table: data, authorization: 'iam_role', manifest: false, format: 'json-auto', gzip: false, rows: 250 });
  } finally {
    await emitter.close();
  }
});

test('basic: gzip, access keys, a delimiter and a column list', async (t) => {
  const { data, prefix } = await createTables(false);
  const emitter = new RedshiftBasicEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix, gzip: true }, connectionString: redshift.connectionString,
    table: data, columns: ['n', 'id'], authorization: KEYS, format: { delimiter: ',' }, region: 'us-east-1',
  });
  try {
    const { location } = await emitter.emit(makeBatch(['1,one', '2,two', '3,three']));
    t.true(location.endsWith('.gz'));
    t.deepEqual((await direct.query(`SELECT id, n, tag FROM "${data}" ORDER BY n`)).rows,
      [{ id: 'one', n: 1, tag: null }, { id: 'two', n: 2, tag: null }, { id: 'three', n: 3, tag: null }]);
    t.like(redshift.copies.find((c) => c.from === location), { authorization: 'access_key', format: 'delimiter', gzip: true, rows: 3 });
  } finally {
    await emitter.close();
  }
});

test('basic: jsonpaths format', async (t) => {
  const { data, prefix } = await createTables(false);
  const pathsKey = `${prefix}jsonpaths.json`;
  await env.s3Client.send(new PutObjectCommand({ Bucket: env.bucket, Key: pathsKey, Body: JSON.stringify({ jsonpaths: ['$.user.id', '$.count', '$.kind'] }) }));
  const emitter = basic({ table: data, prefix, format: { jsonPaths: `s3://${env.bucket}/${pathsKey}` } });
  try {
    await emitter.emit(makeBatch(['{"user":{"id":"u1"},"count":5,"kind":"k"}', '{"user":{"id":"u2"},"count":6}']));
    t.deepEqual((await direct.query(`SELECT id, n, tag FROM "${data}" ORDER BY n`)).rows,
      [{ id: 'u1', n: 5, tag: 'k' }, { id: 'u2', n: 6, tag: null }]);
  } finally {
    await emitter.close();
  }
});

test('basic with a file table: the same batch emitted twice is loaded once', async (t) => {
  const { data, files, prefix } = await createTables();
  const emitter = basic({ table: data, fileTable: files, prefix });
  try {
    const batch = makeBatch(jsonLines('twice', 40));
    const first = await emitter.emit(batch);
    const second = await emitter.emit(batch);
    t.is(second.location, first.location);
    t.is(await count(data), 40);
    t.deepEqual(await fileTableRows(files), [first.location]);
    t.is(copiesFrom(first.location), 1);
    await emitter.emit(makeBatch(jsonLines('next', 5), 'shardId-000000000000', 5000));
    t.is(await count(data), 45, 'another batch is still loaded');
  } finally {
    await emitter.close();
  }
});

test('basic with a file table: two emitters loading the same batch at once load it once', async (t) => {
  const { data, files, prefix } = await createTables();
  const a = basic({ table: data, fileTable: files, prefix });
  const b = basic({ table: data, fileTable: files, prefix });
  try {
    const batch = makeBatch(jsonLines('race', 30));
    const [ra, rb] = await Promise.all([a.emit(batch), b.emit(batch)]);
    t.is(ra.location, rb.location);
    t.is(await count(data), 30);
    t.is(copiesFrom(ra.location), 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('manifest: the files named by a batch of S3 URLs are loaded with one COPY of a manifest', async (t) => {
  const { data, files, prefix } = await createTables();
  const urls = await storeFiles(prefix, 3, 20);
  const emitter = manifestEmitter({ dataTable: data, fileTable: files, prefix });
  try {
    const batch = makeBatch(urls, 'shardId-000000000007', 70);
    const { location } = await emitter.emit(batch);
    const key = manifestKey(prefix, batch);
    t.is(location, `s3://${env.bucket}/${key}`);
    t.is(await count(data), 60);
    t.deepEqual(await fileTableRows(files), [...urls].sort());
    const written = await env.s3Client.send(new GetObjectCommand({ Bucket: env.bucket, Key: key }));
    t.deepEqual(JSON.parse(await written.Body!.transformToString()), { entries: urls.map((url) => ({ url, mandatory: true })) });
    const copies = redshift.copies.filter((c) => c.from === location);
    t.is(copies.length, 1);
    t.like(copies[0], { table: data, manifest: true, rows: 60 });
    t.deepEqual(copies[0].files, urls);
  } finally {
    await emitter.close();
  }
});

test('manifest: a re-emitted batch does not COPY again; an overlapping batch loads only its new files', async (t) => {
  const { data, files, prefix } = await createTables();
  const urls = await storeFiles(prefix, 4, 10, true);
  const emitter = manifestEmitter({ dataTable: data, fileTable: files, prefix, s3: { client: s3Client(), bucket: env.bucket, prefix, gzip: true } });
  try {
    const batch = makeBatch(urls.slice(0, 3));
    const first = await emitter.emit(batch);
    t.is(await count(data), 30);
    const again = await emitter.emit(batch);
    t.regex(again.location, /all 3 files already loaded/);
    t.is(await count(data), 30, 'row count unchanged');
    t.is(redshift.copies.filter((c) => c.table === data).length, 1, 'no COPY ran');
    t.is(copiesFrom(first.location), 1);
    t.deepEqual(await fileTableRows(files), urls.slice(0, 3).sort(), 'each file once in the file table');

    const overlapping = makeBatch([urls[2], urls[3], urls[3]], 'shardId-000000000000', 2000);
    const { location } = await emitter.emit(overlapping);
    t.is(await count(data), 40);
    t.deepEqual(redshift.copies.find((c) => c.from === location)?.files, [urls[3]]);
    t.deepEqual(await fileTableRows(files), [...urls].sort());
  } finally {
    await emitter.close();
  }
});

test('manifest: a missing file fails the load, rolls back the file table, and a retry after it appears loads it', async (t) => {
  const { data, files, prefix } = await createTables();
  const [present] = await storeFiles(prefix, 1, 5);
  const lateKey = `${prefix}files/late.json`;
  const late = `s3://${env.bucket}/${lateKey}`;
  const emitter = manifestEmitter({ dataTable: data, fileTable: files, prefix });
  try {
    const batch = makeBatch([present, late]);
    const err = await t.throwsAsync(emitter.emit(batch), { instanceOf: EmitError });
    t.true(err.message.includes(late), err.message);
    t.true(err.message.includes(`"${data}"`), err.message);
    t.deepEqual(await fileTableRows(files), [], 'the file table change was rolled back');
    t.is(await count(data), 0);

    await env.s3Client.send(new PutObjectCommand({ Bucket: env.bucket, Key: lateKey, Body: '{"id":"late","n":99}\n' }));
    await emitter.emit(batch);
    t.is(await count(data), 6);
    t.deepEqual(await fileTableRows(files), [present, late].sort());
  } finally {
    await emitter.close();
  }
});

test('manifest with copyMandatory false: the entries are not mandatory, and a missing file is skipped while the rest load', async (t) => {
  const { data, files, prefix } = await createTables();
  const present = await storeFiles(prefix, 2, 5);
  const missing = `s3://${env.bucket}/${prefix}files/never-written.json`;
  const emitter = manifestEmitter({ dataTable: data, fileTable: files, prefix, copyMandatory: false });
  try {
    const urls = [present[0], missing, present[1]];
    const batch = makeBatch(urls);
    const { location } = await emitter.emit(batch);
    t.is(location, `s3://${env.bucket}/${manifestKey(prefix, batch)}`);
    const written = await env.s3Client.send(new GetObjectCommand({ Bucket: env.bucket, Key: manifestKey(prefix, batch) }));
    t.deepEqual(JSON.parse(await written.Body!.transformToString()), { entries: urls.map((url) => ({ url, mandatory: false })) });
    t.is(await count(data), 10, 'the two present files loaded');
    t.is(copiesFrom(location), 1);
  } finally {
    await emitter.close();
  }
});

test('a missing table is a clear EmitError, not retriable, naming the table and URL, with the credentials redacted', async (t) => {
  const prefix = `${uniqueName('rs_missing')}/`;
  const table = uniqueName('rs_no_such_table');
  const emitter = new RedshiftBasicEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString: redshift.connectionString, table, authorization: KEYS,
  });
  const { files } = await createTables();
  const manifests = new RedshiftManifestEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString: redshift.connectionString,
    dataTable: table, fileTable: files, authorization: KEYS,
  });
  try {
    const err = await t.throwsAsync(emitter.emit(makeBatch(jsonLines('m', 3))), { instanceOf: EmitError });
    t.false(err.retriable);
    t.regex(err.message, new RegExp(`^Redshift load into table "${table}" from s3://${env.bucket}/${prefix}\\S+ failed running COPY "${table}" FROM '\\S+' <redacted> JSON 'auto': .*relation "${table}" does not exist`));
    t.regex(err.message, /42P01/);

    const [url] = await storeFiles(prefix, 1, 2);
    const merr = await t.throwsAsync(manifests.emit(makeBatch([url])), { instanceOf: EmitError });
    t.false(merr.retriable);
    t.regex(merr.message, new RegExp(`relation "${table}" does not exist`));
    t.deepEqual(await fileTableRows(files), []);

    for (const e of [err, merr]) {
      const text = `${e.message}\n${e.stack}\n${String((e.cause as Error | undefined)?.message)}\n${String((e.cause as Error | undefined)?.stack)}`;
      t.false(text.includes(KEYS.secretAccessKey), 'no secret key');
      t.false(text.includes(KEYS.accessKeyId), 'no access key id');
    }
  } finally {
    await emitter.close();
    await manifests.close();
  }
});

test('a malformed manifest record is a clear EmitError naming it, not retriable, and changes nothing', async (t) => {
  const { data, files, prefix } = await createTables();
  const urls = await storeFiles(prefix, 2, 3);
  const emitter = manifestEmitter({ dataTable: data, fileTable: files, prefix });
  try {
    const err = await t.throwsAsync(emitter.emit(makeBatch([urls[0], 'https://example.com/not-s3.json', urls[1]], 'shardId-000000000003', 500)),
      { instanceOf: EmitError });
    t.false(err.retriable);
    t.is(err.code, 'MANIFEST_RECORD_INVALID');
    t.is(err.message, 'manifest record 1 (sequence number 501) of shardId-000000000003 is not an S3 URL (s3://bucket/key): "https://example.com/not-s3.json"');
    await t.throwsAsync(emitter.emit(makeBatch(['s3://bucket-only'])), { message: /record 0 .*"s3:\/\/bucket-only"/ });
    t.deepEqual(await fileTableRows(files), []);
    t.is(await count(data), 0);
  } finally {
    await emitter.close();
  }
});

test('a connection dropped by the server is a retriable EmitError', async (t) => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const { data, prefix } = await createTables(false);
  const emitter = new RedshiftBasicEmitter({
    s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString: `postgres://postgres@127.0.0.1:${port}/test`, table: data, authorization: IAM,
  });
  try {
    const err = await t.throwsAsync(emitter.emit(makeBatch(jsonLines('d', 2))), { instanceOf: EmitError });
    t.true(err.retriable, err.message);
    t.regex(err.message, /Connection terminated/);
  } finally {
    await emitter.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a refused connection is a retriable EmitError', async (t) => {
  // A port that was free a moment ago: nothing listens on it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { data, files, prefix } = await createTables();
  const connectionString = `postgres://postgres@127.0.0.1:${port}/test`;
  const plain = new RedshiftBasicEmitter({ s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString, table: data, authorization: IAM });
  const withFiles = new RedshiftBasicEmitter({ s3: { client: s3Client(), bucket: env.bucket, prefix }, connectionString, table: data, fileTable: files, authorization: IAM });
  try {
    for (const emitter of [plain, withFiles]) {
      const err = await t.throwsAsync(emitter.emit(makeBatch(jsonLines('c', 2))), { instanceOf: EmitError });
      t.true(err.retriable, err.message);
      t.regex(err.message, /ECONNREFUSED/);
    }
  } finally {
    await plain.close();
    await withFiles.close();
  }
});

test('options are checked up front with messages naming the option', (t) => {
  const client = s3Client();
  const base = { s3: { client, bucket: 'b' }, connectionString: 'postgres://u:pw@h/db', table: 't', authorization: IAM };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ table: '' }, 'table must be a non-empty table or column name, got ""'],
    [{ s3: { client, bucket: '' } }, 's3.bucket must be a non-empty string, got ""'],
    [{ connectionString: '' }, 'connectionString must be a non-empty string, got an empty string'],
    [{ columns: [] }, 'columns must be a non-empty array of column names, got []'],
    [{ authorization: { iamRole: 'r', accessKeyId: 'a', secretAccessKey: 's' } }, 'authorization must be { iamRole } or { accessKeyId, secretAccessKey }'],
    [{ authorization: { accessKeyId: 'a', secretAccessKey: 'bad\\secret' } },
      'authorization.secretAccessKey must be a non-empty string without backslashes, got a string that is empty or has a backslash or NUL'],
    [{ format: { delimiter: '||' } }, 'format.delimiter must be one character (not a backslash or newline), got "||"'],
    [{ format: { jsonPaths: 'paths.json' } }, 'format.jsonPaths must be an s3:// URL, got "paths.json"'],
    [{ format: 'csv' }, 'format must be "json-auto", { jsonPaths } or { delimiter }, got "csv"'],
  ];
  for (const [override, message] of cases) {
    const err = t.throws(() => new RedshiftBasicEmitter({ ...base, ...override }), { instanceOf: ConfigError });
    t.is(err.message, message);
  }
  t.throws(() => new RedshiftManifestEmitter({ ...base, dataTable: 'd' } as unknown as RedshiftManifestEmitterOptions),
    { instanceOf: ConfigError, message: 'fileTable is required: it records the files already loaded' });
  client.destroy();
});
