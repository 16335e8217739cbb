import test, { type ExecutionContext } from 'ava';
import { createServer } from 'node:net';
import pg from 'pg';
import { EmitError } from '../src/core/errors.js';
import { PostgresEmitter, createTableSql, type PostgresEmitterOptions } from '../src/emitters/postgres/postgres-emitter.js';
import { quoteIdent } from '../src/emitters/sql.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let admin: pg.Pool;
test.before(() => {
  admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
});
test.after.always(async () => { await admin?.end(); });

let counter = 0;
/** A table no other test uses, dropped when the test ends. */
function tableName(t: ExecutionContext): string {
  const name = `kc_pg_emitter_${process.pid}_${counter++}`;
  t.teardown(async () => { await admin.query(`DROP TABLE IF EXISTS ${quoteIdent(name)}`); });
  return name;
}

function emitterFor(t: ExecutionContext, options: Omit<PostgresEmitterOptions, 'connectionString'> & { connectionString?: string }): PostgresEmitter {
  const emitter = new PostgresEmitter({ connectionString: DATABASE_URL, ...options });
  t.teardown(() => emitter.close());
  return emitter;
}

async function rows<T = Record<string, unknown>>(table: string, columns = '*'): Promise<T[]> {
  return (await admin.query(`SELECT ${columns} FROM ${quoteIdent(table)} ORDER BY shard_id, sequence_number`)).rows as T[];
}

const TRICKY = 'O"Brien, "the" first\nsecond line\t\u00e9\u4e2d \\N ,\\. end';

function clickLine(i: number): string {
  const record: Record<string, unknown> = {
    user: { id: 1000 + i, name: i === 3 ? TRICKY : `user ${i}` },
    active: i % 2 === 0,
    score: i / 4,
    tags: ['a', { n: i }],
    note: i === 5 ? '' : `note ${i}`,
  };
  if (i % 10 === 0) delete record.note;
  return JSON.stringify(record);
}

const CLICK_COLUMNS = { user_id: 'user.id', user_name: 'user.name', active: 'active', score: 'score', tags: 'tags', note: 'note', nothing: 'no.such.field' };

async function createClicks(table: string): Promise<void> {
  await admin.query(`CREATE TABLE ${quoteIdent(table)} (
    shard_id text NOT NULL, sequence_number numeric NOT NULL,
    id bigserial NOT NULL, user_id bigint NOT NULL, user_name text, active boolean, score double precision, tags jsonb, note text, nothing text,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shard_id, sequence_number))`);
}

test('mapped columns: 1,200 rows land with typed, nested, quoted and missing values', async (t) => {
  const table = tableName(t);
  await createClicks(table);
  const emitter = emitterFor(t, { table, columns: CLICK_COLUMNS });
  const seq = seqs(1200);
  const { location } = await emitter.emit(makeBatch(Array.from({ length: 1200 }, (_, i) => clickLine(i)), seq, { shardId: 'shardId-000000000007' }));
  t.is(location, `postgres:${table}/shardId-000000000007/${seq[0]}-${seq[1199]}`);

  const got = await rows<Record<string, unknown>>(table, 'shard_id, sequence_number::text AS seq, user_id::text, user_name, active, score, tags, note, nothing, id IS NOT NULL AS has_id');
  t.is(got.length, 1200);
  got.forEach((row, i) => {
    t.deepEqual(row, {
      shard_id: 'shardId-000000000007', seq: seq[i], user_id: String(1000 + i), user_name: i === 3 ? TRICKY : `user ${i}`,
      active: i % 2 === 0, score: i / 4, tags: ['a', { n: i }], note: i % 10 === 0 ? null : i === 5 ? '' : `note ${i}`, nothing: null, has_id: true,
    }, `row ${i}`);
  });
});

test('without columns each whole record goes into data (jsonb); createTableSql makes a table that works', async (t) => {
  const table = tableName(t);
  await admin.query(createTableSql(`public.${table}`));
  const emitter = emitterFor(t, { table: `public.${table}` });
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, nested: { quote: 'say "hi", then\nleave' } }));
  await emitter.emit(makeBatch(lines, seqs(40)));
  const got = await rows<{ data: unknown; sequence_number: string }>(table, 'data, sequence_number::text');
  t.deepEqual(got.map((r) => r.data), lines.map((l) => JSON.parse(l)));
  t.deepEqual(got.map((r) => r.sequence_number), seqs(40));

  // PostgreSQL itself refuses a record that is not JSON; the error still names the record.
  const more = seqs(3, 100);
  const err = await t.throwsAsync(emitter.emit(makeBatch(['{"ok":1}', 'not json', '{"ok":3}'], more)), { instanceOf: EmitError });
  t.false(err.retriable);
  t.true(err.message.includes(`record ${more[1]}`), err.message);
  t.is((await rows(table)).length, 40, 'nothing of that batch was stored');

  const mappedTable = tableName(t);
  const ddl = createTableSql(mappedTable, { kind: 'type', user: 'user.id' });
  t.true(ddl.includes('PRIMARY KEY ("shard_id", "sequence_number")'), ddl);
  await admin.query(ddl);
  const mapped = emitterFor(t, { table: mappedTable, columns: { kind: 'type', user: 'user.id' } });
  await mapped.emit(makeBatch(['{"type":"click","user":{"id":7}}', '{"type":"view"}'], seqs(2)));
  t.deepEqual(await rows(mappedTable, 'kind, "user"'), [{ kind: 'click', user: '7' }, { kind: 'view', user: null }]);
});

test('re-emitting a batch (again, and concurrently) leaves the table unchanged; an overlapping batch adds only its new rows', async (t) => {
  const table = tableName(t);
  await createClicks(table);
  const emitter = emitterFor(t, { table, columns: CLICK_COLUMNS });
  const seq = seqs(300);
  const batch = makeBatch(Array.from({ length: 200 }, (_, i) => clickLine(i)), seq.slice(0, 200));
  await emitter.emit(batch);
  const snapshot = async () => rows(table, 'shard_id, sequence_number::text, id, user_id::text, user_name, active, score, tags, note, loaded_at');
  const before = await snapshot();
  t.is(before.length, 200);

  await emitter.emit(batch);
  await Promise.all([emitter.emit(batch), emitter.emit(batch)]);
  t.deepEqual(await snapshot(), before, 'same count, same rows, same ids and load times');

  // Records 150..299: the first 50 are already there.
  const overlap = makeBatch(Array.from({ length: 150 }, (_, k) => clickLine(150 + k).replace('"active"', '"changed":1,"active"')), seq.slice(150));
  await emitter.emit(overlap);
  const after = await snapshot();
  t.is(after.length, 300);
  t.deepEqual(after.slice(0, 200), before, 'rows already stored were not touched');
});

test('a missing table is a non-retriable EmitError naming the table', async (t) => {
  const table = `kc_pg_emitter_missing_${process.pid}`;
  const emitter = emitterFor(t, { table, columns: { a: 'a' } });
  const err = await t.throwsAsync(emitter.emit(makeBatch(['{"a":1}'], seqs(1))), { instanceOf: EmitError });
  t.false(err.retriable);
  t.true(err.message.includes(`table ${table}`), err.message);
  t.regex(err.message, /SQLSTATE 42P01: relation ".*" does not exist/);
});

test('a table without a unique key on (shard_id, sequence_number) is a non-retriable EmitError; nothing is stored', async (t) => {
  const table = tableName(t);
  await admin.query(`CREATE TABLE ${quoteIdent(table)} (shard_id text, sequence_number text, data jsonb)`);
  const emitter = emitterFor(t, { table });
  const err = await t.throwsAsync(emitter.emit(makeBatch(['{"a":1}'], seqs(1))), { instanceOf: EmitError });
  t.false(err.retriable);
  t.true(err.message.includes(table), err.message);
  t.regex(err.message, /SQLSTATE 42P10/);
  t.is((await rows(table)).length, 0);
});

test('a closed port is a retriable EmitError', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const emitter = emitterFor(t, { table: 'anything', connectionString: `postgres://postgres@127.0.0.1:${port}/test` });
  const err = await t.throwsAsync(emitter.emit(makeBatch(['{"a":1}'], seqs(1))), { instanceOf: EmitError });
  t.true(err.retriable);
  t.true(err.message.includes('table anything'), err.message);
  t.regex(err.message, /ECONNREFUSED/);
});

test('a record that is not valid JSON, or not an object, is a non-retriable EmitError naming its sequence number', async (t) => {
  const table = tableName(t);
  await createClicks(table);
  const emitter = emitterFor(t, { table, columns: CLICK_COLUMNS });
  const seq = seqs(4);
  const bad = await t.throwsAsync(emitter.emit(makeBatch([clickLine(0), clickLine(1), '{"user": {"id": 3', clickLine(3)], seq)), { instanceOf: EmitError });
  t.false(bad.retriable);
  t.true(bad.message.includes(seq[2]) && bad.message.includes(table), bad.message);
  t.regex(bad.message, /not valid JSON/);
  const array = await t.throwsAsync(emitter.emit(makeBatch([clickLine(0), '[1,2]'], seq.slice(0, 2))), { instanceOf: EmitError });
  t.false(array.retriable);
  t.true(array.message.includes(`record ${seq[1]}`), array.message);
  t.is((await rows(table)).length, 0, 'no record of either batch was stored');
});

test('a value its column rejects rolls the whole batch back; the error names the table and the record', async (t) => {
  const table = tableName(t);
  await createClicks(table);
  const emitter = emitterFor(t, { table, columns: CLICK_COLUMNS, maxConnections: 1 });
  const seq = seqs(300);
  const lines = Array.from({ length: 300 }, (_, i) => clickLine(i));
  lines[257] = lines[257].replace('"id":1257', '"id":"not a number"');
  const err = await t.throwsAsync(emitter.emit(makeBatch(lines, seq)), { instanceOf: EmitError });
  t.false(err.retriable);
  t.true(err.message.includes(`table ${table}`), err.message);
  t.true(err.message.includes(`record ${seq[257]}`), err.message);
  t.regex(err.message, /SQLSTATE 22P02/);
  t.is((await rows(table)).length, 0, 'the 257 rows before it were rolled back too');

  // The one connection is usable again: the corrected batch loads.
  lines[257] = clickLine(257);
  await emitter.emit(makeBatch(lines, seq));
  t.is((await rows(table)).length, 300);
});

test('options are validated with messages naming the option; close returns the same promise', async (t) => {
  const bad = (options: Partial<PostgresEmitterOptions>) => () => new PostgresEmitter({ connectionString: DATABASE_URL, table: 't', ...options });
  t.throws(bad({ connectionString: '' }), { message: 'connectionString must be a non-empty PostgreSQL URL, got ""' });
  t.throws(bad({ table: 'a..b' }), { message: 'table must be a table name, optionally schema-qualified ("schema.table"), got "a..b"' });
  t.throws(bad({ columns: {} }), { message: 'columns must map at least one column (or be left out to store whole records in "data")' });
  t.throws(bad({ columns: { 'a.b': 'x' } }), { message: 'columns keys must be plain column names (no dots), got "a.b"' });
  t.throws(bad({ columns: { shard_id: 'x' } }), { message: 'columns.shard_id is filled from the batch (source shard and sequence number) and cannot be mapped' });
  t.throws(bad({ columns: { a: 'user..id' } }), { message: 'columns.a must be a JSON field name or dotted path such as "user.id", got "user..id"' });
  t.throws(bad({ maxConnections: 0 }), { message: 'maxConnections must be a positive integer, got 0' });
  t.throws(bad({ connectTimeoutMs: 1.5 }), { message: 'connectTimeoutMs must be a positive integer, got 1.5' });
  const emitter = new PostgresEmitter({ connectionString: DATABASE_URL, table: 't' });
  const first = emitter.close();
  t.is(emitter.close(), first);
  await first;
});
