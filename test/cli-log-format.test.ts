// The CLI's log lines on stderr: JSON lines (pino) or pretty lines, chosen by --log-format; JSON by
// default when stderr is not a terminal. The pipeline reads an NDJSON shard file (no Kinesis needed).
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCliLogger, logFormat } from '../src/cli/cli-logger.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

let tmp: string;
test.before(async () => { tmp = await mkdtemp(join(tmpdir(), 'kc-cli-logs-')); });
test.after.always(async () => { await rm(tmp, { recursive: true, force: true }); });

let counter = 0;
/** A config reading a two-record shard file into the discard emitter, in a folder of its own. */
async function config(): Promise<string> {
  const dir = await mkdtemp(join(tmp, `case-${counter++}-`));
  await writeFile(join(dir, 'shardId-000000000000.ndjson'), '{"id":"a"}\n{"id":"b"}\n');
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify({
    app: 'log-format', stream: 'clicks', source: { type: 'files', dir }, checkpoint: { file: join(dir, 'checkpoints.json') },
    emitter: { type: 'discard' }, transform: { threads: 1 },
  }));
  return file;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface JsonLine {
  level: number;
  levelName: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

function jsonLines(stderr: string): JsonLine[] {
  return stderr.trim().split('\n').map((l) => JSON.parse(l) as JsonLine);
}

function assertJsonLog(t: import('ava').ExecutionContext, stderr: string): void {
  const lines = jsonLines(stderr);
  for (const l of lines) {
    t.is(typeof l.level, 'number');
    t.is(typeof l.levelName, 'string');
    t.false(Number.isNaN(Date.parse(l.time)), `time is a date: ${l.time}`);
    t.is(typeof l.msg, 'string');
  }
  const started = lines.find((l) => l.msg === 'pipeline started');
  t.like(started, { level: 30, levelName: 'info', app: 'log-format', stream: 'clicks', shards: 1, leases: false });
  const stopped = lines.find((l) => l.msg === 'pipeline stopped');
  t.like(stopped, { recordsRead: 2, recordsEmitted: 2 }, 'numbers stay numbers');
  t.true(lines.some((l) => l.msg === 'reached the end of a closed shard' && l.shardId === 'shardId-000000000000' && l.host === 0),
    'a shard host thread\'s line, forwarded to the main thread, is a JSON line too');
}

test('--log-format json: every stderr line is JSON with level, time, msg and the fields', async (t) => {
  const run = await cli(['run', await config(), '--idle-exit', '300', '--log-format', 'json']);
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, '', 'nothing on stdout');
  assertJsonLog(t, run.stderr);
});

test('without --log-format, stderr not a terminal: JSON lines', async (t) => {
  const run = await cli(['run', await config(), '--idle-exit', '300']);
  t.is(run.code, 0, run.stderr);
  assertJsonLog(t, run.stderr);
});

test('--log-level filters the JSON lines', async (t) => {
  const debug = jsonLines((await cli(['run', await config(), '--idle-exit', '300', '--log-level', 'debug'])).stderr);
  t.true(debug.some((l) => l.levelName === 'debug' && l.level === 20));
  const warn = await cli(['run', await config(), '--idle-exit', '300', '--log-level', 'warn']);
  t.is(warn.code, 0, warn.stderr);
  t.is(warn.stderr, '');
});

test('--log-format pretty: human-readable lines, not JSON, with the messages and fields', async (t) => {
  const run = await cli(['run', await config(), '--idle-exit', '300', '--log-format', 'pretty']);
  t.is(run.code, 0, run.stderr);
  const lines = run.stderr.trim().split('\n');
  for (const l of lines) t.throws(() => JSON.parse(l) as unknown, undefined, `not JSON: ${l}`);
  t.regex(run.stderr, /INFO.*pipeline started.*"stream":"clicks"/);
  t.regex(run.stderr, /INFO.*pipeline stopped.*"recordsRead":2/);
});

test('a bad --log-format exits 2 naming it, on run and demo', async (t) => {
  for (const args of [['run', 'config.json'], ['demo']]) {
    const run = await cli([...args, '--log-format', 'xml']);
    t.is(run.code, 2, args[0]);
    t.regex(run.stderr, /^kinesis-connectors: --log-format must be one of json, pretty, got "xml"/);
    t.regex(run.stderr, /Usage:\n/);
    // The usage of `run` lists both of its output options, in one piece.
    t.regex(run.stderr, /run <config\.json\|config\.js>[^\n]*\n\s+\[--http-port <n>\] \[--log-format <json\|pretty>\]\n/);
    t.notRegex(run.stderr, /^(<{7}|={7}|>{7})/m);
  }
});

test('a fatal error in the json format: a fatal JSON line, then the plain line last', async (t) => {
  const run = await cli(['run', join(tmp, 'missing.json'), '--log-format', 'json']);
  t.is(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  t.regex(lines.at(-1)!, /^kinesis-connectors: ConfigError \(CONFIG_INVALID\): \S*missing\.json could not be read/);
  t.like(JSON.parse(lines[0]) as JsonLine, { level: 60, levelName: 'fatal', msg: 'exiting on an error' });
  t.is(lines.length, 2);
  const pretty = await cli(['run', join(tmp, 'missing.json'), '--log-format', 'pretty']);
  t.is(pretty.stderr.trim().split('\n').length, 1, 'in the pretty format only the plain line');
});

test('logFormat: the default follows whether stderr is a terminal', (t) => {
  t.is(logFormat(undefined, true), 'pretty');
  t.is(logFormat(undefined, false), 'json');
  t.is(logFormat('json', true), 'json');
  t.throws(() => logFormat('text', false), { message: '--log-format must be one of json, pretty, got "text"' });
});

test('an Error among the fields is written as describeError does, not as {}', async (t) => {
  const file = join(tmp, 'errors.log');
  const { openSync, closeSync, readFileSync } = await import('node:fs');
  const fd = openSync(file, 'w');
  const logger = createCliLogger('info', 'json', fd);
  const err = Object.assign(new Error('no route'), { code: 'ECONNREFUSED' });
  logger.error({ error: err, attempt: 3, plain: { name: 'E', message: 'm' } }, 'it failed');
  closeSync(fd);
  t.like(JSON.parse(readFileSync(file, 'utf8')) as JsonLine,
    { levelName: 'error', msg: 'it failed', error: 'Error (ECONNREFUSED): no route', attempt: 3, plain: { name: 'E', message: 'm' } });
});
