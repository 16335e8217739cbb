// The local Redshift stand-in: plain SQL passes through to the real PostgreSQL; Redshift's COPY from
// S3 reads the local S3 (s3rver) and loads rows on the session's own backend.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { startEnv, type Env } from './helpers/components.js';
import { DATABASE_URL, startLocalRedshift, type LocalRedshift } from '../src/local/local-redshift.js';

const IAM = `IAM_ROLE 'arn:aws:iam::123456789012:role/loader'`;

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
  for (const t of tables) await direct?.query(`DROP TABLE IF EXISTS ${t}`);
  await direct?.end();
  await redshift?.close();
  await env?.close();
});

/** A new table (created straight on PostgreSQL) whose name no other test uses. */
async function createTable(columns: string): Promise<string> {
  const name = `rs_standin_${process.pid}_${counter++}`;
  tables.push(name);
  await direct.query(`CREATE TABLE ${name} (${columns})`);
  return name;
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client(redshift.connectionString);
  await client.connect();
  return client;
}

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let keyCounter = 0;
/** Puts an object under a key no other test uses and returns its URL. */
async function put(name: string, body: string | Buffer): Promise<string> {
  const key = `standin-${process.pid}-${keyCounter++}/${name}`;
  await env.s3Client.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body }));
  return `s3://${env.bucket}/${key}`;
}

function manifest(entries: Array<{ url: string; mandatory: boolean }>): string {
  return JSON.stringify({ entries });
}

async function rows(table: string, order = 'id'): Promise<Array<Record<string, unknown>>> {
  return (await direct.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;
}

test('plain SQL passes through: parameterised queries, errors, COPY FROM STDIN, rollback and commit', async (t) => {
  const table = await createTable('id int PRIMARY KEY, name text');
  await withClient(async (c) => {
    const inserted = await c.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2), ($3, $4)`, [1, 'one', 2, 'two']);
    t.is(inserted.rowCount, 2);
    const selected = await c.query(`SELECT id, name FROM ${table} WHERE id > $1 ORDER BY id`, [0]);
    t.deepEqual(selected.rows, [{ id: 1, name: 'one' }, { id: 2, name: 'two' }]);

    const missing = await t.throwsAsync(c.query('SELECT * FROM no_such_table_standin'));
    t.is((missing as { code?: string }).code, '42P01');
    t.is((await c.query('SELECT $1::int + 1 AS n', [41])).rows[0].n, 42, 'the session works after an error');

    // PostgreSQL's own COPY is not Redshift's: it passes through.
    await pipeline(Readable.from(['3\tthree\n', '4\tfour\n']), c.query(copyStreams.from(`COPY ${table} (id, name) FROM STDIN`)));

    await c.query('BEGIN');
    await c.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [5, 'five']);
    t.is((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 5, 'the transaction sees its own row');
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [6, 'six']);
    await c.query('COMMIT');
  });
  t.deepEqual((await rows(table)).map((r) => r.id), [1, 2, 3, 4, 6]);
});

test('each session has its own backend: an open transaction is invisible to another session', async (t) => {
  const table = await createTable('id int');
  const a = await connect();
  const b = await connect();
  try {
    await a.query('BEGIN');
    await a.query(`INSERT INTO ${table} VALUES ($1)`, [1]);
    t.is((await b.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 0);
    await a.query('COMMIT');
    t.is((await b.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 1);
  } finally {
    await a.end();
    await b.end();
  }
});

test("COPY JSON 'auto' loads an S3 object, matching keys to columns case-insensitively", async (t) => {
  const table = await createTable('id int, name text, "Score" numeric, payload text, missing text');
  const url = await put('data.json', [
    JSON.stringify({ id: 1, NAME: 'Ann', score: 1.5, payload: { a: [1, 2] } }),
    JSON.stringify({ Id: 2, name: 'tab\there\\and "quotes"', extra: 'ignored' }),
    '',
    JSON.stringify({ id: 3, name: null, Score: 7 }),
  ].join('\n') + '\n');
  const res = await withClient((c) => c.query(`COPY ${table} FROM '${url}' ${IAM} JSON 'auto'`));
  t.is(res.command, 'COPY');
  t.is(res.rowCount, 3);
  t.deepEqual(await rows(table), [
    { id: 1, name: 'Ann', Score: '1.5', payload: '{"a":[1,2]}', missing: null },
    { id: 2, name: 'tab\there\\and "quotes"', Score: null, payload: null, missing: null },
    { id: 3, name: null, Score: '7', payload: null, missing: null },
  ]);
  const record = redshift.copies.find((c) => c.from === url);
  t.like(record, { table, authorization: 'iam_role', manifest: false, format: 'json-auto', gzip: false, rows: 3 });
  t.deepEqual(record?.files, [url]);
});

test('COPY with a column list, access keys, REGION and FORMAT AS JSON', async (t) => {
  const table = await createTable('id int, name text, note text DEFAULT \'default\'');
  const url = await put('cols.json', '{"id":1,"name":"a","note":"x"}\n{"id":2,"name":"b"}\n');
  await withClient((c) => c.query(
    `copy ${table} (id, name) from '${url}' ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'secret/example' FORMAT AS JSON 'auto' REGION 'eu-west-1';`));
  t.deepEqual(await rows(table), [{ id: 1, name: 'a', note: 'default' }, { id: 2, name: 'b', note: 'default' }]);
  t.is(redshift.copies.find((c) => c.from === url)?.authorization, 'access_key');
});

test('COPY JSON with a jsonpaths file maps the paths to the columns in order', async (t) => {
  const table = await createTable('id int, city text, first_tag text');
  const paths = await put('paths.json', JSON.stringify({ jsonpaths: ["$['id']", '$.address.city', '$.tags[0]'] }));
  const url = await put('nested.json', '{"id":1,"address":{"city":"Oslo"},"tags":["a","b"]}\n{"id":2,"address":{}}\n');
  await withClient((c) => c.query(`COPY ${table} FROM '${url}' ${IAM} JSON '${paths}'`));
  t.deepEqual(await rows(table), [{ id: 1, city: 'Oslo', first_tag: 'a' }, { id: 2, city: null, first_tag: null }]);

  const twoPaths = await put('paths2.json', JSON.stringify({ jsonpaths: ['$.id', '$.city'] }));
  const err = await t.throwsAsync(withClient((c) => c.query(`COPY ${table} FROM '${url}' ${IAM} JSON '${twoPaths}'`)));
  t.regex(err.message, /has 2 paths but the COPY loads 3 columns/);
});

test('COPY ... MANIFEST loads every listed file and skips a missing optional one', async (t) => {
  const table = await createTable('id int');
  const files = await Promise.all([1, 2, 3].map((n) => put(`part-${n}.json`, `{"id":${n * 10}}\n{"id":${n * 10 + 1}}\n`)));
  const optional = `s3://${env.bucket}/standin-${process.pid}-never-written.json`;
  const m = await put('load.manifest', manifest([...files.map((url) => ({ url, mandatory: true })), { url: optional, mandatory: false }]));
  const res = await withClient((c) => c.query(`COPY ${table} FROM '${m}' ${IAM} MANIFEST JSON 'auto'`));
  t.is(res.rowCount, 6);
  t.deepEqual((await rows(table)).map((r) => r.id), [10, 11, 20, 21, 30, 31]);
  t.deepEqual(redshift.copies.find((c) => c.from === m)?.files, files);
});

test('a missing mandatory file fails the COPY with an error naming it; nothing is loaded and the session goes on', async (t) => {
  const table = await createTable('id int');
  const present = await put('present.json', '{"id":1}\n');
  const absent = `s3://${env.bucket}/standin-${process.pid}-absent.json`;
  const m = await put('broken.manifest', manifest([{ url: present, mandatory: true }, { url: absent, mandatory: true }]));
  const copy = `COPY ${table} FROM '${m}' ${IAM} MANIFEST JSON 'auto'`;
  await withClient(async (c) => {
    const err = await t.throwsAsync(c.query(copy));
    t.true(err.message.includes(absent), err.message);
    t.is((err as { code?: string }).code, 'XX000');
    t.is((await c.query('SELECT 1 AS one')).rows[0].one, 1, 'the session still works');

    // Inside a transaction the failure aborts it, as on Redshift.
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${table} VALUES ($1)`, [99]);
    await t.throwsAsync(c.query(copy), { message: /does not exist/ });
    const aborted = await t.throwsAsync(c.query('SELECT 1'));
    t.is((aborted as { code?: string }).code, '25P02');
    await c.query('ROLLBACK');
    t.is((await c.query('SELECT 2 AS two')).rows[0].two, 2);
  });
  t.deepEqual(await rows(table), []);
  t.false(redshift.copies.some((c) => c.from === m));
});

test('a COPY inside a transaction is rolled back with it', async (t) => {
  const table = await createTable('id int');
  const url = await put('tx.json', '{"id":1}\n{"id":2}\n');
  await withClient(async (c) => {
    await c.query('BEGIN');
    await c.query(`COPY ${table} FROM '${url}' ${IAM} JSON 'auto'`);
    t.is((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 2);
    t.is((await direct.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n, 0, 'not visible outside before COMMIT');
    await c.query('ROLLBACK');
  });
  t.deepEqual(await rows(table), []);
});

test('GZIP decompresses the files', async (t) => {
  const table = await createTable('id int, name text');
  const url = await put('data.json.gz', gzipSync('{"id":1,"name":"zipped"}\n{"id":2,"name":"too"}\n'));
  await withClient((c) => c.query(`COPY ${table} FROM '${url}' ${IAM} JSON 'auto' GZIP`));
  t.deepEqual(await rows(table), [{ id: 1, name: 'zipped' }, { id: 2, name: 'too' }]);
  const plain = await put('plain.json', '{"id":3}\n');
  await t.throwsAsync(withClient((c) => c.query(`COPY ${table} FROM '${plain}' ${IAM} JSON 'auto' GZIP`)), { message: /not valid gzip/ });
});

test('DELIMITER splits lines; an empty field is NULL except in a character column; a short line is an error', async (t) => {
  const table = await createTable('id int, name text, amount int');
  const url = await put('data.psv', '1|one|10\n2||\n3|three|30\n');
  await withClient((c) => c.query(`COPY ${table} FROM '${url}' ${IAM} DELIMITER '|'`));
  t.deepEqual(await rows(table), [
    { id: 1, name: 'one', amount: 10 }, { id: 2, name: '', amount: null }, { id: 3, name: 'three', amount: 30 },
  ]);
  const tabbed = await put('data.tsv', '4\tfour\n');
  await withClient((c) => c.query(`COPY ${table} (id, name) FROM '${tabbed}' ${IAM} DELIMITER '\t'`));
  t.deepEqual((await rows(table)).at(-1), { id: 4, name: 'four', amount: null });
  const short = await put('short.psv', '5|five\n');
  await t.throwsAsync(withClient((c) => c.query(`COPY ${table} FROM '${short}' ${IAM} DELIMITER '|'`)),
    { message: new RegExp(`line 1 of ${short.replace(/[.]/g, '\\.')}: delimiter not found`) });
});

test('without MANIFEST the URL is a key prefix; a prefix matching nothing is an error', async (t) => {
  const table = await createTable('id int');
  const dir = `standin-${process.pid}-prefix-${keyCounter++}`;
  for (const [key, id] of [[`${dir}/a.json`, 1], [`${dir}/b.json`, 2], [`${dir}-other/c.json`, 3]] as const) {
    await env.s3Client.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: `{"id":${id}}\n` }));
  }
  await withClient((c) => c.query(`COPY ${table} FROM 's3://${env.bucket}/${dir}/' ${IAM} JSON 'auto'`));
  t.deepEqual((await rows(table)).map((r) => r.id), [1, 2]);
  const err = await t.throwsAsync(withClient((c) => c.query(`COPY ${table} FROM 's3://${env.bucket}/${dir}/nothing-here' ${IAM} JSON 'auto'`)));
  t.regex(err.message, /matches no object/);
});

test('COPY errors: missing table, missing authorization, unknown option; no credential is echoed', async (t) => {
  const url = await put('x.json', '{"id":1}\n');
  await withClient(async (c) => {
    const noTable = await t.throwsAsync(c.query(`COPY no_such_table_standin FROM '${url}' ${IAM} JSON 'auto'`));
    t.is((noTable as { code?: string }).code, '42P01');
    t.regex(noTable.message, /relation "no_such_table_standin" does not exist/);

    const table = await createTable('id int');
    const noAuth = await t.throwsAsync(c.query(`COPY ${table} FROM '${url}' JSON 'auto'`));
    t.regex(noAuth.message, /needs an authorization/);

    const secret = 'wJalrXUtnFEMI-very-secret';
    const unknown = await t.throwsAsync(c.query(`COPY ${table} FROM '${url}' ACCESS_KEY_ID 'AKIA' SECRET_ACCESS_KEY '${secret}' '${secret}' JSON 'auto'`));
    t.regex(unknown.message, /expected a COPY option, got a string literal/);
    t.false(unknown.message.includes(secret));
    const unsupported = await t.throwsAsync(c.query(`COPY ${table} FROM '${url}' ${IAM} CSV`));
    t.regex(unsupported.message, /does not support the COPY option CSV/);
    t.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });
});

test('COPY into schema.table works; a quoted name holding "." or nothing is refused and the session goes on', async (t) => {
  const schema = `rs_standin_schema_${process.pid}_${counter++}`;
  await direct.query(`CREATE SCHEMA ${schema}`);
  t.teardown(() => direct.query(`DROP SCHEMA ${schema} CASCADE`));
  await direct.query(`CREATE TABLE ${schema}.events (id int, "Name" text)`);
  const url = await put('schema.json', '{"id":1,"name":"in a schema"}\n');
  await withClient(async (c) => {
    await c.query(`COPY "${schema}".events (id, "Name") FROM '${url}' ${IAM} JSON 'auto'`);
    t.deepEqual((await direct.query(`SELECT * FROM ${schema}.events`)).rows, [{ id: 1, Name: 'in a schema' }]);

    const dotted = await t.throwsAsync(c.query(`COPY "${schema}.events" FROM '${url}' ${IAM} JSON 'auto'`));
    t.is((dotted as { code?: string }).code, '0A000');
    t.regex(dotted.message, /does not support "\." or "\\" inside a name/);
    const empty = await t.throwsAsync(c.query(`COPY "" FROM '${url}' ${IAM} JSON 'auto'`));
    t.is((empty as { code?: string }).code, '42601');
    t.deepEqual((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });
});
