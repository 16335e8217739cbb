// Many shards of one source opened at once, against the embedded Kinesis: their GetShardIterator
// calls go out at most ITERATOR_CALLS_AT_ONCE at a time (counted on the client, as sent), and every
// shard is read.
import test from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { silentLogger } from '../src/core/logger.js';
import { ITERATOR_CALLS_AT_ONCE, KinesisShardSource } from '../src/sources/kinesis-shard-source.js';
import { startEnv, uniqueName, type Env } from './helpers/components.js';

let env: Env;
test.before(async () => {
  env = await startEnv();
});
test.after.always(async () => {
  await env?.close();
});

test('60 shards opened at once: GetShardIterator calls in flight never pass the limit, and every shard answers', async (t) => {
  const shards = 60;
  t.true(shards > 2 * ITERATOR_CALLS_AT_ONCE);
  const stream = uniqueName('iter-limit');
  await createStream(env.kinesisClient, stream, shards);
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  const counter = 'count GetShardIterator in flight';
  env.kinesisClient.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName !== 'GetShardIteratorCommand') return next(args);
    calls++;
    most = Math.max(most, ++inFlight);
    try {
      return await next(args);
    } finally {
      inFlight--;
    }
  }, { step: 'initialize', name: counter });
  try {
    const source = new KinesisShardSource({ client: env.kinesisClient, stream, logger: silentLogger });
    const listed = await source.listShards();
    t.is(listed.length, shards);
    const reads = await Promise.all(listed.map((s) => source.openReader(s.shardId, { type: 'TRIM_HORIZON' }).read()));
    t.is(reads.length, shards);
    for (const r of reads) t.deepEqual(r.records, []);
    t.is(calls, shards);
    t.true(most <= ITERATOR_CALLS_AT_ONCE, `${most} calls in flight at once`);
    t.true(most > 1, 'the calls overlap up to the limit');
  } finally {
    env.kinesisClient.middlewareStack.remove(counter);
  }
});
