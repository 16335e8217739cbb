import test from 'ava';
import { DescribeStreamSummaryCommand, ListShardsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { createStream } from '../src/aws/create-stream.js';
import { SHARD_END } from '../src/core/sequence.js';
import { countIds, ids, produce, readRecords, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test.serial('split a shard while consuming: the parent is finished before its children start, nothing lost', async (t) => {
  const stream = uniqueName('split');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 1);
  const before = ids('before', 1500);
  await produce(env.kinesisClient, stream, before);
  const logger = captureLogger();
  const pipeline = new Pipeline(testOptions(env, app, stream, { buffer: { maxRecords: 100, maxBytes: 1 << 20, maxAgeMs: 100 } }), { logger });
  const order: string[] = [];
  pipeline.onEmitted((e) => { if (e.location) order.push(e.location.split('/').at(-2)!); });
  await pipeline.start();
  await waitFor(() => pipeline.stats().recordsEmitted >= 200, 30_000, 'consuming the parent');

  const parent = 'shardId-000000000000';
  await env.kinesisClient.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent, NewStartingHashKey: (2n ** 127n).toString() }));
  await waitFor(async () => (await env.kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE', 10_000, 'stream ACTIVE again');
  const after = ids('after', 1500);
  await produce(env.kinesisClient, stream, after);
  const shards = (await env.kinesisClient.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
  const children = shards.filter((s) => s.ParentShardId === parent).map((s) => s.ShardId!);
  t.is(children.length, 2);

  await waitFor(() => pipeline.stats().recordsEmitted >= 3000 && pipeline.isIdle(300), 60_000, 'all records emitted');
  await pipeline.stop();

  const counts = countIds(await readRecords(env.s3Client, env.bucket, `${stream}/`));
  t.is(counts.size, 3000);
  t.true([...before, ...after].every((id) => counts.get(id) === 1));
  t.is(await redisGet(`${app}:checkpoint:${stream}:${parent}`), SHARD_END);
  const lastParent = order.lastIndexOf(parent);
  const firstChild = Math.min(...children.map((c) => order.indexOf(c)).filter((i) => i >= 0));
  t.true(lastParent >= 0 && Number.isFinite(firstChild), `parent and children both emitted: ${order.join(',')}`);
  t.true(lastParent < firstChild, 'every parent batch was stored before any child batch');
  for (const child of children) t.not(await redisGet(`${app}:checkpoint:${stream}:${child}`), null);
  t.truthy(logger.lines.find((l) => l.msg.includes('shard finished') && l.fields.shardId === parent));
});
