// The CLI's start-up as a user meets it: the built CLI in a process of its own, with config files
// and transform modules that go wrong in the ways real ones do.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;
const SDK_WARNING = /NodeVersionSupportWarning|will require node/;

let tmp: string;
test.before(async () => { tmp = await mkdtemp(join(tmpdir(), 'kc-cli-start-')); });
test.after.always(async () => { await rm(tmp, { recursive: true, force: true }); });

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without the SDK-warning switch the test runner sets, as a user's shell would. */
function cli(args: string[], onStart?: (child: ChildProcess) => void): Promise<Run> {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => { output.stdout += d; });
    child.stderr.on('data', (d) => { output.stderr += d; });
    child.on('exit', (code, signal) => resolve({ code, signal, ...output }));
    onStart?.(child);
  });
}

let counter = 0;
/** Writes `files` (name to text) into a fresh folder; the path of each. */
async function folder(files: Record<string, string>): Promise<Record<string, string>> {
  const dir = join(tmp, `case-${counter++}`);
  await mkdir(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], text);
  }
  return paths;
}

/** A config whose Kinesis is unreachable (a closed port, one attempt), with `extra` merged in. */
function unreachableConfig(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    app: 'start-up', stream: 'clicks', kinesis: { endpoint: 'http://127.0.0.1:9', maxAttempts: 1 },
    checkpoint: { file: './checkpoints.json' }, emitter: { type: 'discard' }, ...extra,
  });
}

test('a JS config whose default export is a promise is awaited', async (t) => {
  const { 'config.js': file } = await folder({ 'config.js': `export default Promise.resolve(${unreachableConfig()});\n` });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.notRegex(run.stderr, /app must be a non-empty string/);
  t.regex(run.stderr, /listing shards of stream clicks failed/);
});

test('a JS config that throws is reported by file, name and message, with URL credentials redacted', async (t) => {
  const { 'config.js': file } = await folder({
    'config.js': 'throw new TypeError("cannot reach redis://loader:hunter2@cache.internal:6379/0 or postgres://admin:s3cret@db:5432/x");\n',
  });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /config\.js could not be loaded: TypeError: cannot reach redis:\/\/loader:\*\*\*@cache\.internal:6379\/0 or postgres:\/\/admin:\*\*\*@db:5432\/x/);
  t.notRegex(run.stderr, /hunter2|s3cret/);
  t.notRegex(run.stderr, /at file:/, 'no stack trace');
});

test('a JS config whose default export rejects is reported the same way', async (t) => {
  const { 'config.js': file } = await folder({
    'config.js': 'export default Promise.reject(new Error("vault said no to https://ops:tok3n@vault.example/v1"));\n',
  });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /config\.js default-exports a promise that rejected: Error: vault said no to https:\/\/ops:\*\*\*@vault\.example\/v1/);
  t.notRegex(run.stderr, /tok3n/);
});

test('no command prints the AWS SDK Node-version warning', async (t) => {
  const { 'config.json': config } = await folder({ 'config.json': unreachableConfig() });
  const runs = {
    run: await cli(['run', config]),
    'create-stream': await cli(['create-stream', 'clicks', '--shards', '1', '--endpoint', 'http://127.0.0.1:9']),
    demo: await cli(['demo', '--records', '20', '--shards', '1', '--out', join(tmp, 'demo')]),
    // Once it has printed its endpoints.
    local: await cli(['local', '--no-redshift', '--json', '--dir', join(tmp, 'local')], (child) => {
      child.stdout!.once('data', () => child.kill('SIGTERM'));
    }),
  };
  t.not(runs.run.code, 0, 'run fails: Kinesis is unreachable');
  t.not(runs['create-stream'].code, 0, 'create-stream fails: Kinesis is unreachable');
  t.is(runs.demo.code, 0, runs.demo.stderr);
  t.is(runs.local.code, 0, runs.local.stderr);
  for (const [command, run] of Object.entries(runs)) t.notRegex(run.stderr, SDK_WARNING, command);
});

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

/** A config reading one NDJSON shard file (no Kinesis needed), with `transform` merged in. */
async function filesConfig(transform: Record<string, unknown>): Promise<string> {
  const paths = await folder({ 'shardId-000000000000.ndjson': '{"id":"a"}\n', 'config.json': '' });
  const dir = join(paths['config.json'], '..');
  await writeFile(paths['config.json'], JSON.stringify({
    app: 'start-up', stream: 'clicks', source: { type: 'files', dir }, checkpoint: { file: './checkpoints.json' },
    emitter: { type: 'discard' }, transform: { threads: 1, ...transform },
  }));
  return paths['config.json'];
}

test('a transform module whose top-level await never settles fails the start-up after transform.loadTimeoutMs, naming the file', async (t) => {
  const module = join(FIXTURES, 'transform-load-hangs.js');
  const started = Date.now();
  const run = await cli(['run', await filesConfig({ module, loadTimeoutMs: 1000 })]);
  // Once (CI, 2026-11-27) the process ended by a signal instead; say which, with what it printed.
  t.is(run.code, 1, `signal ${run.signal}; stderr: ${run.stderr.slice(-2000)}`);
  t.true(Date.now() - started < 20_000);
  t.regex(run.stderr, /kinesis-connectors: TransformModuleError \(TRANSFORM_MODULE_INVALID\): transform module \S*transform-load-hangs\.js did not finish loading within transform\.loadTimeoutMs \(1000 ms\)/);
});

test('a transform module that imports a missing package names the package and says the module exists', async (t) => {
  const run = await cli(['run', await filesConfig({ module: join(FIXTURES, 'transform-imports-missing-package.js') })]);
  t.is(run.code, 1);
  t.notRegex(run.stderr, /the file does not exist/);
  t.regex(run.stderr, /kinesis-connectors: TransformModuleError \(TRANSFORM_MODULE_INVALID\): transform module \S*transform-imports-missing-package\.js failed to load: the module exists, but the package "kc-fixture-dependency-that-does-not-exist" it imports is not installed/);
});

test('a transform module that calls process.exit while loading is reported by file and exit code', async (t) => {
  const run = await cli(['run', await filesConfig({ module: join(FIXTURES, 'transform-exits.js') })]);
  t.is(run.code, 1);
  t.regex(run.stderr, /kinesis-connectors: TransformModuleError \(TRANSFORM_MODULE_INVALID\): transform module \S*transform-exits\.js ended its thread while loading, with exit code 3/);
});

test('a missing transform module is still reported as a missing file', async (t) => {
  const run = await cli(['run', await filesConfig({ module: './no-such-transform.js' })]);
  t.is(run.code, 1);
  t.regex(run.stderr, /kinesis-connectors: TransformModuleError \(TRANSFORM_MODULE_INVALID\): transform module \S*no-such-transform\.js failed to load: the file does not exist/);
});

test('a broken transform module is reported even when Kinesis cannot be reached', async (t) => {
  const module = join(FIXTURES, 'transform-bad-export.js');
  const { 'config.json': file } = await folder({ 'config.json': unreachableConfig({ transform: { module, threads: 1 } }) });
  const run = await cli(['run', file]);
  t.is(run.code, 1);
  t.regex(run.stderr, /kinesis-connectors: TransformModuleError \(TRANSFORM_MODULE_INVALID\): transform module \S*transform-bad-export\.js: export toRecord must be a function, got number/);
});

test('SIGTERM during the start-up stops what started and exits 0', async (t) => {
  const module = join(FIXTURES, 'transform-load-hangs.js');
  // Once the module has begun to load: the pipeline is starting.
  const run = await cli(['run', await filesConfig({ module, loadTimeoutMs: 60_000 })], (child) => {
    const onData = (d: Buffer) => {
      if (!d.toString().includes('transform-load-hangs: loading')) return;
      child.stderr!.off('data', onData);
      child.kill('SIGTERM');
    };
    child.stderr!.on('data', onData);
  });
  t.is(run.signal, null, 'not ended by the signal');
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /SIGTERM received/);
  t.regex(run.stderr, /pipeline stopped/);
});
