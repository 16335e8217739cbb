// `kinesis-connectors status` as a user runs it: two workers (Pipelines in this process, each its
// own worker id) share a stream through Redis leases; the command, a separate process, shows who
// owns what and the checkpoints, as Redis has them. With the file store it shows no leases.
import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import type { StreamStatus } from '../src/supervisor/stream-status.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions, writeConfigFile } from './helpers/pipeline-options.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

function status(file: string, json: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'status', file, ...(json ? ['--json'] : [])], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const writeConfig = (name: string, config: unknown) => writeConfigFile(env.tmp, name, config);

test.serial('status shows each shard\'s owner, token, lease time left and checkpoint, and the live workers', async (t) => {
  const stream = uniqueName('status');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 3);
  const produced = await produce(env.kinesisClient, stream, ids('s', 300));
  const options = testOptions(env, app, stream, { lease: { durationMs: 3000, renewIntervalMs: 300 } });
  const workers = ['worker-a', 'worker-b'].map((id) => new Pipeline({ ...options, worker: { id } }, { logger: captureLogger() }));
  t.teardown(() => Promise.all(workers.map((w) => w.stop())));
  for (const w of workers) await w.start();
  // Balanced (2 and 1) and every record checkpointed.
  await waitFor(async () => {
    const owned = workers.map((w) => w.stats().worker.owned.length).sort();
    if (owned.join() !== '1,2') return false;
    for (const [shardId, last] of produced.lastSeq) if (await redisGet(`${app}:checkpoint:${stream}:${shardId}`) !== last) return false;
    return true;
  }, 30_000, 'two workers balanced, every checkpoint at the tail');
  const file = await writeConfig(stream, options);

  const json = await status(file, true);
  t.is(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as StreamStatus;
  t.is(s.leases, true);
  t.deepEqual(s.workers.map((w) => w.id).sort(), ['worker-a', 'worker-b']);
  t.deepEqual(s.workers.map((w) => w.shards).sort(), [1, 2]);
  t.is(s.shards.length, 3);
  for (const shard of s.shards) {
    const owner = workers.find((w) => w.stats().worker.owned.includes(shard.shardId))!.stats().worker.id;
    t.is(shard.owner, owner, `${shard.shardId}: owner as the workers say`);
    t.true(shard.token >= 1);
    t.true(shard.leaseExpiresInMs !== null && shard.leaseExpiresInMs > 0 && shard.leaseExpiresInMs <= 3000, `lease time left ${shard.leaseExpiresInMs}`);
    t.is(shard.checkpoint, produced.lastSeq.get(shard.shardId) ?? null);
    t.false(shard.finished);
  }

  const text = await status(file, false);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, new RegExp(`^app ${app}, stream ${stream}: 3 shards \\(3 open\\), 2 live workers`));
  t.regex(text.stdout, /^shard\s+owner\s+token\s+lease expires in\s+checkpoint\s+finished$/m);
  for (const shard of s.shards) t.regex(text.stdout, new RegExp(`^${shard.shardId}\\s+${shard.owner}\\s+\\d+\\s+[\\d.]+ s\\s+${shard.checkpoint}\\s+no$`, 'm'));

  // A graceful stop hands the shards over: the other worker owns all three.
  await workers[0].stop();
  await waitFor(async () => {
    const after = JSON.parse((await status(file, true)).stdout) as StreamStatus;
    return after.workers.length === 1 && after.shards.every((x) => x.owner === 'worker-b');
  }, 10_000, 'worker-b owns every shard after worker-a stopped');
  t.is(workers[1].stats().worker.owned.length, 3);
});

test.serial('status with the file store: no leases, the checkpoints of the file', async (t) => {
  const stream = uniqueName('status-file');
  await createStream(env.kinesisClient, stream, 2);
  const checkpointFile = join(env.tmp, stream, 'checkpoints.json');
  const options = { ...testOptions(env, uniqueName('app'), stream), checkpoint: { file: checkpointFile, intervalMs: 100 } };
  const produced = await produce(env.kinesisClient, stream, ids('f', 100));
  const pipeline = new Pipeline(options, { logger: captureLogger() });
  t.teardown(() => pipeline.stop());
  await pipeline.start();
  await pipeline.waitUntilIdle(300);
  await pipeline.stop();
  const file = await writeConfig(stream, options);
  const json = await status(file, true);
  t.is(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as StreamStatus;
  t.is(s.leases, false);
  t.deepEqual(s.workers, []);
  t.deepEqual(s.shards.map((x) => [x.shardId, x.owner, x.checkpoint]).sort(),
    [...produced.lastSeq].map(([id, last]) => [id, null, last]).sort());
  const text = await status(file, false);
  t.regex(text.stdout, /2 shards \(2 open\), no leases \(file checkpoint store: one process reads every shard\)/);
});

test.serial('a second process on the same file store fails its start-up with CHECKPOINT_IN_USE and reads nothing', async (t) => {
  const stream = uniqueName('file-twice');
  await createStream(env.kinesisClient, stream, 1);
  const checkpointFile = join(env.tmp, stream, 'checkpoints.json');
  const options = { ...testOptions(env, uniqueName('app'), stream), checkpoint: { file: checkpointFile, intervalMs: 100 } };
  const first = new Pipeline(options, { logger: captureLogger() });
  t.teardown(() => first.stop());
  await first.start();
  const file = await writeConfig(stream, options);
  const second = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'run', file], (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }));
  });
  t.is(second.code, 1);
  t.regex(second.stderr, new RegExp(`checkpoint file ${checkpointFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by process ${process.pid} on `));
  t.regex(second.stderr, /use Redis checkpoints \(checkpoint\.redis\)/);
  t.notRegex(second.stderr, /pipeline started/);
});
