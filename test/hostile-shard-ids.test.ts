// A Kinesis endpoint (a proxy in front of kinesalite) answering ListShards with hostile shard ids:
// the pipeline refuses to start, the error names the id, and nothing is written anywhere.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { filesUnder } from './helpers/files-under.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';
import { startRewritingProxy } from './helpers/rewriting-proxy.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });


const HOSTILE: Array<[string, string]> = [['climbing out', '../../x'], ['a folder', 'a/b'], ['empty', ''], ['200 chars', 'a'.repeat(200)]];

for (const [what, hostile] of HOSTILE) {
  test.serial(`ListShards answering a shard id that is ${what}: start fails naming it, nothing written`, async (t) => {
    const stream = uniqueName('hostile');
    await createStream(env.kinesisClient, stream, 2);
    await produce(env.kinesisClient, stream, ids('h', 50));
    // The second shard gets the hostile id; its parent is left as kinesalite said (none).
    const proxy = await startRewritingProxy(env.kinesis.endpoint, 'ListShards', (answer) => {
      const shards = answer.Shards as Array<{ ShardId: string }>;
      return { ...answer, Shards: shards.map((s, i) => (i === 1 ? { ...s, ShardId: hostile } : s)) };
    });
    const root = await mkdtemp(join(tmpdir(), 'kc-hostile-'));
    t.teardown(async () => {
      await proxy.close();
      await rm(root, { recursive: true, force: true });
    });
    const base = join(root, 'a', 'b');
    const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, {
      kinesis: { endpoint: proxy.endpoint },
      checkpoint: { file: join(base, 'checkpoints.json'), intervalMs: 100 },
      emitter: { type: 'file', dir: join(base, 'output') },
      deadLetter: { dir: join(base, 'dead-letter') },
      transform: { threads: 1 },
    }), { logger: captureLogger() });
    const err = await t.throwsAsync(pipeline.start());
    t.like(err, { code: 'BAD_SHARD_ID', retriable: false });
    t.true(err.message.includes(JSON.stringify(hostile)), err.message);
    t.true(err.message.includes(`ListShards of stream ${stream}`), err.message);
    t.true(proxy.rewritten() >= 1);
    t.deepEqual(await filesUnder(root), [], 'no shard was started, nothing was written');
  });
}

for (const protocol of ['cbor', 'json'] as const) {
  test.serial(`GetRecords answering a sequence number that climbs out (${protocol}): the read fails naming it, nothing written`, async (t) => {
    const stream = uniqueName('hostile-seq');
    await createStream(env.kinesisClient, stream, 1);
    await produce(env.kinesisClient, stream, ids('s', 20));
    const proxy = await startRewritingProxy(env.kinesis.endpoint, 'GetRecords', (answer) => ({
      ...answer, Records: (answer.Records as Array<Record<string, unknown>>).map((r) => ({ ...r, SequenceNumber: '../../../escaped' })),
    }));
    const root = await mkdtemp(join(tmpdir(), 'kc-hostile-'));
    t.teardown(async () => {
      await proxy.close();
      await rm(root, { recursive: true, force: true });
    });
    const base = join(root, 'a', 'b');
    const logger = captureLogger();
    const reported = (l: { level: string; fields: Record<string, unknown> }) => l.level === 'error' &&
      String(l.fields.error).includes('BAD_SEQUENCE_NUMBER') && String(l.fields.error).includes('"../../../escaped"');
    const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, {
      kinesis: { endpoint: proxy.endpoint, protocol },
      checkpoint: { file: join(base, 'checkpoints.json'), intervalMs: 100 },
      emitter: { type: 'file', dir: join(base, 'output') },
      deadLetter: { dir: join(base, 'dead-letter') },
      transform: { threads: 1 },
    }), { logger });
    await pipeline.start();
    try {
      await waitFor(() => logger.lines.some(reported), 30_000, 'the bad sequence number to be reported');
    } finally {
      await pipeline.stop();
    }
    t.deepEqual(await filesUnder(root), [], 'no batch, no dead letter, no checkpoint written');
  });
}
