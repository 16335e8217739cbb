// `run --http-port`: the endpoints of a pipeline run by the command, and a bad port.
import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import { startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { testOptions } from './helpers/pipeline-options.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test('run --http-port 0 serves the endpoints on a free port until SIGTERM; a bad port is a usage error', async (t) => {
  const stream = uniqueName('cli-http');
  await createStream(env.kinesisClient, stream, 1);
  const file = join(env.tmp, `${stream}.json`);
  await writeFile(file, JSON.stringify(testOptions(env, uniqueName('app'), stream, { logLevel: 'info' })));

  const child = spawn(process.execPath, [CLI, 'run', file, '--http-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor(() => /http endpoints listening/.test(stderr) && /pipeline started/.test(stderr), 30_000, 'the endpoints and the pipeline started');
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stderr)![0];
    t.is((await fetch(`${url}/healthz`)).status, 200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 5000, 'ready');
    t.regex(await (await fetch(`${url}/metrics`)).text(), /kinesis_connectors_shards_owned\{/);
  } finally {
    child.kill('SIGTERM');
  }
  t.is(await exited, 0, stderr);

  const bad = spawn(process.execPath, [CLI, 'run', file, '--http-port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let badErr = '';
  bad.stderr.on('data', (d) => { badErr += d; });
  t.is(await new Promise<number | null>((resolve) => bad.on('exit', (code) => resolve(code))), 2);
  t.regex(badErr, /--http-port must be a port number \(0 to 65535\), got "eighty"/);
});
