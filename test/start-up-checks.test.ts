// The start-up checks against the real components: each sink and the checkpoint store refused in
// the way a wrong setting makes it refuse, through Pipeline.start() and through the CLI's `run`.
import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createStream } from '../src/aws/create-stream.js';
import type { PipelineOptions } from '../src/config/config.js';
import { SinkCheckError } from '../src/core/errors.js';
import { createTableSql } from '../src/emitters/postgres/postgres-emitter.js';
import { createFileTableSql } from '../src/emitters/redshift/redshift-basic-emitter.js';
import { DATABASE_URL, startLocalRedshift, type LocalRedshift } from '../src/local/local-redshift.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { forward, readBody } from './helpers/http-forward.js';
import { ids, produce, startEnv, uniqueName, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const IAM_ROLE = 'arn:aws:iam::123456789012:role/loader';

let env: Env;
let redshift: LocalRedshift;
let direct: pg.Pool;
let stream: string;
let tmp: string;
const tables: string[] = [];

test.before(async () => {
  env = await startEnv();
  redshift = await startLocalRedshift({ s3Client: env.s3Client });
  direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  tmp = await mkdtemp(join(tmpdir(), 'kc-checks-'));
  stream = uniqueName('checks');
  await createStream(env.kinesisClient, stream, 1);
  await produce(env.kinesisClient, stream, ids('c', 20));
});

test.after.always(async () => {
  for (const t of tables) await direct?.query(`DROP TABLE IF EXISTS "${t}"`);
  await direct?.end();
  await redshift?.close();
  await env?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function tableName(prefix: string): string {
  const name = `${prefix}_${process.pid}_${tables.length}`;
  tables.push(name);
  return name;
}

/** Starts a pipeline that must fail its start-up check: the error, and that no shard was read. */
async function startFails(t: import('ava').ExecutionContext, extra: Partial<PipelineOptions>): Promise<Error & { code?: string }> {
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, extra), { logger });
  const started = Date.now();
  const err = await t.throwsAsync(pipeline.start());
  t.log(`failed in ${Date.now() - started} ms: ${err.message}`);
  t.is(err.name, 'SinkCheckError');
  t.is((err as { code?: string }).code, 'SINK_UNAVAILABLE');
  // The sink is checked on an emitter thread, the store on the main thread: the class survives either way.
  t.true(err instanceof SinkCheckError, 'instanceof SinkCheckError');
  t.is(typeof (err as SinkCheckError).sink, 'string');
  t.is(typeof (err as SinkCheckError).setting, 'string');
  t.false(logger.lines.some((l) => l.msg === 'pipeline started' || l.msg === 'starting shard actor'), 'no shard actor started');
  t.is(pipeline.stats().recordsRead, 0);
  return err;
}

const s3 = (bucket: string, endpoint = env.s3.endpoint) => ({ bucket, endpoint, forcePathStyle: true, prefix: 'checks/' });

test('s3: a missing bucket fails HeadBucket', async (t) => {
  const err = await startFails(t, { emitter: { type: 's3', ...s3('no-such-bucket') } });
  t.regex(err.message, /^emitter s3 start-up check failed: emitter\.bucket "no-such-bucket": HeadBucket failed: NotFound: .*\(HTTP 404\)$/);
});

test('s3: a bucket that refuses PutObject fails the write check (s3rver has no policies: a proxy answers AccessDenied)', async (t) => {
  const upstream = new URL(env.s3.endpoint);
  const proxy = createHttpServer((req, res) => {
    readBody(req).then(async (body) => {
      if (req.method === 'PUT') {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
        return;
      }
      const up = await forward(upstream, req.method ?? 'GET', req.url ?? '/', req.headers, body);
      res.writeHead(up.status, up.headers);
      res.end(up.body);
    }).catch(() => { res.writeHead(502); res.end(); });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { proxy.closeAllConnections(); proxy.close(); });
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const err = await startFails(t, { emitter: { type: 's3', ...s3(env.bucket, endpoint) } });
  t.regex(err.message, new RegExp(`^emitter s3 start-up check failed: emitter\\.bucket "${env.bucket}", emitter\\.prefix "checks/": `
    + `PutObject of the probe object s3://${env.bucket}/checks/_kinesis-connectors-write-check failed: AccessDenied: Access Denied \\(HTTP 403\\)$`));
});

test('kinesis: a missing target stream', async (t) => {
  const err = await startFails(t, { emitter: { type: 'kinesis', stream: 'no-such-target', endpoint: env.kinesis.endpoint } });
  t.regex(err.message, /^emitter kinesis start-up check failed: emitter\.stream "no-such-target": DescribeStreamSummary failed: ResourceNotFoundException/);
});

test('s3-manifest: a missing manifest stream', async (t) => {
  const err = await startFails(t, { emitter: { type: 's3-manifest', ...s3(env.bucket), manifestStream: 'no-such-manifest' } });
  t.regex(err.message, /^emitter s3-manifest start-up check failed: emitter\.manifestStream "no-such-manifest": DescribeStreamSummary failed: ResourceNotFoundException/);
});

test('postgres: a missing table', async (t) => {
  const err = await startFails(t, { emitter: { type: 'postgres', url: DATABASE_URL, table: 'no_such_table_kc' } });
  t.regex(err.message, /^emitter postgres start-up check failed: emitter\.table "no_such_table_kc": reading the table failed: SQLSTATE 42P01: relation "no_such_table_kc" does not exist$/);
});

test('postgres: a mapped column the table lacks', async (t) => {
  const table = tableName('kc_check_cols');
  await direct.query(createTableSql(table, { user_id: 'user.id' }));
  const err = await startFails(t, { emitter: { type: 'postgres', url: DATABASE_URL, table, columns: { user_id: 'user.id', url: 'url' } } });
  t.regex(err.message, new RegExp(`^emitter postgres start-up check failed: emitter\\.columns \\["user_id","url"\\] of emitter\\.table "${table}": `
    + 'selecting the columns failed: SQLSTATE 42703: column "url" does not exist$'));
});

test('postgres: refused credentials, the password never shown (trust auth cannot refuse a password: an unknown role is refused instead)', async (t) => {
  const err = await startFails(t, { emitter: { type: 'postgres', url: 'postgres://kc_no_such_role:s3cretpw@127.0.0.1:5432/test', table: 'x' } });
  t.regex(err.message, /^emitter postgres start-up check failed: emitter\.url "postgres:\/\/kc_no_such_role:\*\*\*@127\.0\.0\.1:5432\/test": connecting failed: SQLSTATE 28000: role "kc_no_such_role" does not exist$/);
  t.notRegex(err.message, /s3cretpw/);
});

const rs = (extra: Record<string, unknown>) => ({ ...s3(env.bucket), url: redshift.connectionString, iamRole: IAM_ROLE, ...extra });

test('redshift (local stand-in): a missing table, and a missing file table', async (t) => {
  const err = await startFails(t, { emitter: { type: 'redshift', ...rs({ table: 'no_such_rs_table' }) } as PipelineOptions['emitter'] });
  t.regex(err.message, /^emitter redshift start-up check failed: emitter\.table "no_such_rs_table": reading the table failed: SQLSTATE 42P01/);
  const table = tableName('kc_check_rs');
  await direct.query(`CREATE TABLE "${table}" (id varchar(64), n int)`);
  const files = await startFails(t, { emitter: { type: 'redshift', ...rs({ table, fileTable: 'no_such_rs_files' }) } as PipelineOptions['emitter'] });
  t.regex(files.message, /^emitter redshift start-up check failed: emitter\.fileTable "no_such_rs_files": reading the table failed: SQLSTATE 42P01/);
});

test('redshift-manifest (local stand-in): a column the data table lacks', async (t) => {
  const data = tableName('kc_check_rsm');
  const files = tableName('kc_check_rsm_files');
  await direct.query(`CREATE TABLE "${data}" (id varchar(64), n int)`);
  await direct.query(createFileTableSql(files));
  const err = await startFails(t, { emitter: { type: 'redshift-manifest', ...rs({ dataTable: data, fileTable: files, columns: ['id', 'tag'] }) } as PipelineOptions['emitter'] });
  t.regex(err.message, new RegExp(`^emitter redshift-manifest start-up check failed: emitter\\.columns \\["id","tag"\\] of emitter\\.dataTable "${data}": `
    + 'selecting the columns failed: SQLSTATE 42703: column "tag" does not exist$'));
});

test('redis: nothing listening', async (t) => {
  const port = await freePort();
  const err = await startFails(t, { checkpoint: { redis: `redis://127.0.0.1:${port}` } });
  t.regex(err.message, new RegExp(`^checkpoint store start-up check failed: checkpoint\\.redis "redis://127\\.0\\.0\\.1:${port}": connecting and PING failed: Error \\(ECONNREFUSED\\)`));
});

test('redis: a wrong password, never shown', async (t) => {
  const redis = await privateRedis('right-password');
  t.teardown(() => redis.stop());
  const err = await startFails(t, { checkpoint: { redis: `redis://:wrong-password@127.0.0.1:${redis.port}` } });
  t.regex(err.message, new RegExp(`^checkpoint store start-up check failed: checkpoint\\.redis "redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}": connecting and PING failed: ReplyError: WRONGPASS`));
  t.notRegex(err.message, /wrong-password/);
});

test('a correct config passes every check (s3 and Redis) and writes the probe object', async (t) => {
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, { emitter: { type: 's3', ...s3(env.bucket) } }), { logger: captureLogger() });
  await pipeline.start();
  await pipeline.stop();
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  const head = await env.s3Client.send(new HeadObjectCommand({ Bucket: env.bucket, Key: 'checks/_kinesis-connectors-write-check' }));
  t.is(head.ContentLength, 0);
});

/** Runs the built CLI's `run` on a config file. */
async function cliRun(config: Record<string, unknown>): Promise<{ code: number | null; stderr: string }> {
  const file = join(tmp, `${uniqueName('config')}.json`);
  await writeFile(file, JSON.stringify(config));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'run', file], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

function cliConfig(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    app: uniqueName('app'), stream, kinesis: { endpoint: env.kinesis.endpoint }, checkpoint: { file: join(tmp, `${uniqueName('cp')}.json`) },
    emitter: { type: 's3', ...s3(env.bucket) }, transform: { threads: 1 }, ...extra,
  };
}

function assertOneFailureLine(t: import('ava').ExecutionContext, run: { code: number | null; stderr: string }, line: RegExp): void {
  t.is(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  t.regex(lines.at(-1)!, line);
  // stderr is not a terminal: JSON log lines, then the plain last line for the reader.
  const plain = lines.filter((l) => !l.startsWith('{'));
  t.is(plain.filter((l) => l.includes('start-up check failed')).length, 1, 'one plain line names the failure');
  const fatal = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { levelName: string; msg: string; error?: string })
    .filter((l) => l.levelName === 'fatal');
  t.is(fatal.length, 1, 'one fatal JSON line');
  t.is(`kinesis-connectors: ${fatal[0]?.error}`, lines.at(-1)!, 'the fatal JSON line carries the same error');
  t.notRegex(run.stderr, /pipeline started|starting shard actor/);
}

test('cli run: a missing bucket exits 1 with one line naming it, and reads nothing', async (t) => {
  const run = await cliRun(cliConfig({ emitter: { type: 's3', ...s3('no-such-bucket') } }));
  assertOneFailureLine(t, run, /^kinesis-connectors: SinkCheckError \(SINK_UNAVAILABLE\): emitter s3 start-up check failed: emitter\.bucket "no-such-bucket": HeadBucket failed: NotFound/);
});

test('cli run: a missing table exits 1 with one line naming it', async (t) => {
  const run = await cliRun(cliConfig({ emitter: { type: 'postgres', url: DATABASE_URL, table: 'no_such_table_kc' } }));
  assertOneFailureLine(t, run, /^kinesis-connectors: SinkCheckError \(SINK_UNAVAILABLE\): emitter postgres start-up check failed: emitter\.table "no_such_table_kc": reading the table failed: SQLSTATE 42P01/);
});

test('cli run: a missing target stream exits 1 with one line naming it', async (t) => {
  const run = await cliRun(cliConfig({ emitter: { type: 'kinesis', stream: 'no-such-target', endpoint: env.kinesis.endpoint } }));
  assertOneFailureLine(t, run, /^kinesis-connectors: SinkCheckError \(SINK_UNAVAILABLE\): emitter kinesis start-up check failed: emitter\.stream "no-such-target": DescribeStreamSummary failed: ResourceNotFoundException/);
});

test('cli run: a wrong Redis password exits 1 with one line, the password hidden', async (t) => {
  const redis = await privateRedis('right-password');
  t.teardown(() => redis.stop());
  const run = await cliRun(cliConfig({ checkpoint: { redis: `redis://:wrong-password@127.0.0.1:${redis.port}` } }));
  assertOneFailureLine(t, run, /^kinesis-connectors: SinkCheckError \(SINK_UNAVAILABLE\): checkpoint store start-up check failed: checkpoint\.redis "redis:\/\/:\*\*\*@127\.0\.0\.1:\d+": connecting and PING failed: ReplyError: WRONGPASS/);
  t.notRegex(run.stderr, /wrong-password/);
});

test('cli run: Redis down exits 1 with one line naming it', async (t) => {
  const run = await cliRun(cliConfig({ checkpoint: { redis: `redis://127.0.0.1:${await freePort()}` } }));
  assertOneFailureLine(t, run, /^kinesis-connectors: SinkCheckError \(SINK_UNAVAILABLE\): checkpoint store start-up check failed: checkpoint\.redis "redis:\/\/127\.0\.0\.1:\d+": connecting and PING failed: Error \(ECONNREFUSED\)/);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of this test's own on a free port, with `requirepass`. */
async function privateRedis(password: string): Promise<{ port: number; stop(): void }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!await listening(port)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { proc.kill('SIGTERM'); } };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
