// `kinesis-connectors local` as a user runs it: the built CLI in a process of its own, its printed
// endpoints used with the real clients (Kinesis, S3, pg), then SIGINT or SIGTERM: exit 0, ports closed.
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createStream } from '../src/aws/create-stream.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { uniqueName } from './helpers/components.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  /** Everything printed to stdout up to the line that says the stand-ins are running. */
  stdout: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Spawns `local` and resolves once it has printed its endpoints (or rejects with what it said if it exited). */
function startLocal(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'local', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`local printed no endpoints in 30 s:\n${stdout}\n${stderr}`)); }, 30_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      const ready = args.includes('--json') ? stdout.endsWith('\n') : /^# running until SIGINT/m.test(stdout);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, stdout, exited });
      }
    });
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`local exited (${code}) before printing its endpoints:\n${stdout}\n${stderr}`)); });
  });
}

/** The `<name> <endpoint>` lines of the human-readable output. */
function endpoints(stdout: string): Partial<Record<'kinesis' | 's3' | 'redshift', string>> & { kinesis: string; s3: string } {
  return Object.fromEntries([...stdout.matchAll(/^(kinesis|s3|redshift) (\S+)$/gm)].map((m) => [m[1], m[2]])) as ReturnType<typeof endpoints>;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Whether something accepts connections on 127.0.0.1:port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Ports that were free a moment ago. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

test('local: Kinesis, S3 and the Redshift stand-in answer at the printed endpoints; SIGINT closes them and exits 0', async (t) => {
  const bucket = `local-${process.pid}-${Date.now().toString(36)}`;
  const started = await startLocal(['--bucket', bucket]);
  t.teardown(() => { started.child.kill('SIGKILL'); });
  const e = endpoints(started.stdout);
  t.regex(e.kinesis, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.regex(e.s3, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.regex(e.redshift ?? '', /^postgres:\/\/.*@127\.0\.0\.1:\d+\//);
  t.regex(started.stdout, new RegExp(`^export KINESIS_ENDPOINT=${e.kinesis}$`, 'm'));
  t.regex(started.stdout, new RegExp(`^export S3_ENDPOINT=${e.s3}$`, 'm'));
  t.regex(started.stdout, /^export AWS_REGION=us-east-1$/m);
  t.regex(started.stdout, /^# credentials: none needed/m);
  const s3Dir = /^# s3: objects in (.+) \(removed on exit\); buckets: (.+)$/m.exec(started.stdout);
  t.truthy(s3Dir, started.stdout);
  t.is(s3Dir![2], bucket);
  t.true(existsSync(s3Dir![1]));

  // Kinesis: a stream, a record in, the same record out.
  const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: e.kinesis });
  const stream = uniqueName('local-cli');
  await createStream(kinesis, stream, 1);
  await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: 'k', Data: Buffer.from('hello kinesis') }));
  const [shard] = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
  const iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
  t.deepEqual(got.Records!.map((r) => Buffer.from(r.Data!).toString()), ['hello kinesis']);
  kinesis.destroy();

  // S3: an object in the bucket given with --bucket, read back.
  const s3 = createS3Client({ region: 'us-east-1', endpoint: e.s3, forcePathStyle: true });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rows/one.json', Body: '{"id":1,"name":"from s3"}\n' }));
  t.is(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'rows/one.json' }))).Body!.transformToString(), '{"id":1,"name":"from s3"}\n');
  s3.destroy();

  // Redshift stand-in: a query, and a COPY from that S3 object (into a temporary table: nothing stays behind).
  const db = new pg.Client({ connectionString: e.redshift });
  await db.connect();
  try {
    t.deepEqual((await db.query('SELECT $1::int + 1 AS n', [41])).rows, [{ n: 42 }]);
    await db.query('CREATE TEMPORARY TABLE local_cli_rows (id int, name text)');
    await db.query(`COPY local_cli_rows FROM 's3://${bucket}/rows/one.json' IAM_ROLE 'arn:aws:iam::123456789012:role/any' JSON 'auto'`);
    t.deepEqual((await db.query('SELECT id, name FROM local_cli_rows')).rows, [{ id: 1, name: 'from s3' }]);
  } finally {
    await db.end();
  }

  started.child.kill('SIGINT');
  const { code, stderr } = await started.exited;
  t.is(code, 0, stderr);
  t.regex(stderr, /SIGINT received; stopping the stand-ins/);
  for (const url of [e.kinesis, e.s3, e.redshift!]) t.false(await answers(portOf(url)), `${url} is closed`);
  t.false(existsSync(s3Dir![1]), 'the temporary S3 folder is removed');
});

test('local --json with fixed ports, --dir, two buckets and --no-redshift; SIGTERM exits 0 and keeps the folder', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kc-local-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [kinesisPort, s3Port] = await freePorts(2);
  const started = await startLocal(['--json', '--no-redshift', '--kinesis-port', String(kinesisPort), '--s3-port', String(s3Port),
    '--dir', dir, '--bucket', 'first-bucket', '--bucket', 'second-bucket']);
  t.teardown(() => { started.child.kill('SIGKILL'); });
  const out = JSON.parse(started.stdout) as { kinesis: string; s3: string; redshift: string | null; redshiftSkipped?: string;
    s3Directory: string; s3DirectoryRemovedOnExit: boolean; buckets: string[]; env: Record<string, string> };
  t.is(out.kinesis, `http://127.0.0.1:${kinesisPort}`);
  t.is(out.s3, `http://127.0.0.1:${s3Port}`);
  t.is(out.redshift, null);
  t.regex(out.redshiftSkipped!, /--no-redshift/);
  t.is(out.s3Directory, dir);
  t.false(out.s3DirectoryRemovedOnExit);
  t.deepEqual(out.env, { AWS_REGION: 'us-east-1', KINESIS_ENDPOINT: out.kinesis, S3_ENDPOINT: out.s3 });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: out.s3, forcePathStyle: true });
  t.deepEqual((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name).sort(), ['first-bucket', 'second-bucket']);
  s3.destroy();

  started.child.kill('SIGTERM');
  const { code, stderr } = await started.exited;
  t.is(code, 0, stderr);
  t.false(await answers(kinesisPort));
  t.false(await answers(s3Port));
  t.true(existsSync(join(dir, 'first-bucket')), 'a folder given with --dir is kept');
});

test('local without a PostgreSQL: the Redshift stand-in is skipped with a line saying why; the others run', async (t) => {
  const [closed] = await freePorts(1);
  const started = await startLocal([], { DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${closed}/test` });
  t.teardown(() => { started.child.kill('SIGKILL'); });
  const e = endpoints(started.stdout);
  t.is(e.redshift, undefined);
  t.regex(started.stdout, new RegExp(`^# redshift: not started: PostgreSQL at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/test does not answer \\(.*ECONNREFUSED.*\\); start it or set DATABASE_URL, or pass --no-redshift$`, 'm'));
  t.false(started.stdout.includes('secret-pw'));
  t.false(/REDSHIFT_URL/.test(started.stdout));
  t.true(await answers(portOf(e.kinesis)));
  started.child.kill('SIGTERM');
  t.is((await started.exited).code, 0);
});

test('local usage errors exit 2 with the usage; a port in use exits 1 naming it', async (t) => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'local', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  const cases: Array<[string[], RegExp]> = [
    [['--bogus'], /local: Unknown option '--bogus'/],
    [['stray'], /local: Unexpected argument 'stray'/],
    [['--kinesis-port'], /local: Option '--kinesis-port <value>' argument missing/],
    [['--s3-port', 'http'], /--s3-port must be a port number \(0 to 65535; 0 picks a free port\), got "http"/],
    [['--redshift-port', '70000'], /--redshift-port must be a port number/],
    [['--bucket', 'Not_A_Bucket'], /--bucket must be an S3 bucket name .*, got "Not_A_Bucket"/],
    [['--no-redshift', '--redshift-port', '5439'], /--redshift-port and --no-redshift do not go together/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await run(args);
    t.is(code, 2, args.join(' '));
    t.regex(stderr, message);
    t.regex(stderr, /Usage:\n/);
    t.false(stderr.includes('TypeError'), stderr);
  }

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const port = (busy.address() as { port: number }).port;
  const inUse = await run(['--no-redshift', '--s3-port', String(port)]);
  t.is(inUse.code, 1);
  t.regex(inUse.stderr, new RegExp(`the embedded S3: 127\\.0\\.0\\.1:${port} is already in use`));
});
