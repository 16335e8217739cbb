import test, { type ExecutionContext } from 'ava';
import { emitWithRetry } from '../src/emitters/emit-with-retry.js';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { batchKey } from '../src/emitters/emitter.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { createStream } from '../src/aws/create-stream.js';
import { EmitError } from '../src/core/errors.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { S3ManifestEmitter, type S3ManifestEmitterOptions } from '../src/emitters/s3/s3-manifest-emitter.js';
import { readObjects, startEnv, uniqueName, type Env } from './helpers/components.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';
import { startThrottlingProxy } from './helpers/throttling-proxy.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const FAST = { baseMs: 5, maxMs: 40 };

/** Every record on the stream, from every shard, from the start. */
async function readStream(stream: string): Promise<Array<{ partitionKey: string; data: string }>> {
  const out: Array<{ partitionKey: string; data: string }> = [];
  for (const shard of (await env.kinesisClient.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
    let iterator = (await env.kinesisClient.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await env.kinesisClient.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of page.Records ?? []) out.push({ partitionKey: r.PartitionKey!, data: Buffer.from(r.Data!).toString('utf8') });
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** An emitter with its own clients (it destroys them on close), writing under a prefix of its own. */
function emitterFor(t: ExecutionContext, options: Partial<S3ManifestEmitterOptions> & { manifestStream: string; kinesisEndpoint?: string; bucket?: string }): { emitter: S3ManifestEmitter; prefix: string } {
  const prefix = `${uniqueName('manifest')}/`;
  const emitter = new S3ManifestEmitter({
    s3: { client: createS3Client({ region: 'us-east-1', endpoint: env.s3.endpoint, forcePathStyle: true }), bucket: options.bucket ?? env.bucket, prefix },
    kinesis: createKinesisClient({ region: 'us-east-1', endpoint: options.kinesisEndpoint ?? env.kinesis.endpoint, maxAttempts: 1 }),
    ...options,
  });
  t.teardown(() => emitter.close());
  return { emitter, prefix };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r-${i}` }));

test('the batch is stored in S3, then its URL is put on the manifest stream keyed by the source shard', async (t) => {
  const manifestStream = uniqueName('manifest');
  await createStream(env.kinesisClient, manifestStream, 2, { pollMs: 20 });
  const { emitter, prefix } = emitterFor(t, { manifestStream });
  const batch = makeBatch(lines(25), seqs(25), { shardId: 'shardId-000000000004' });
  const { location } = await emitter.emit(batch);

  const key = batchKey(prefix, batch, false);
  t.is(location, `s3://${env.bucket}/${key}`);
  const objects = await readObjects(env.s3Client, env.bucket, prefix);
  t.deepEqual(objects, [{ key, lines: lines(25) }]);
  t.deepEqual(await readStream(manifestStream), [{ partitionKey: 'shardId-000000000004', data: location }]);

  // Emitted again (after a crash): the object is overwritten in place, the URL goes on the stream again.
  t.deepEqual(await emitter.emit(batch), { location });
  t.deepEqual(await readObjects(env.s3Client, env.bucket, prefix), [{ key, lines: lines(25) }]);
  t.deepEqual((await readStream(manifestStream)).map((r) => r.data), [location, location]);
});

test('a manifest stream that does not exist is a non-retriable EmitError naming the stream', async (t) => {
  const { emitter } = emitterFor(t, { manifestStream: 'no-such-manifest' });
  const err = await t.throwsAsync(emitter.emit(makeBatch(lines(3), seqs(3))), { instanceOf: EmitError });
  t.false(err.retriable);
  t.regex(err.message, /manifest stream no-such-manifest failed: ResourceNotFoundException/);
  t.true(err.message.includes(`s3://${env.bucket}/`), 'the message names the object whose URL was not recorded');
});

test('a throttled PutRecord is retried with backoff and the URL lands once', async (t) => {
  const manifestStream = uniqueName('manifest');
  await createStream(env.kinesisClient, manifestStream, 1, { pollMs: 20 });
  const proxy = await startThrottlingProxy(env.kinesis.endpoint, { PutRecord: { every: 2, error: 'ProvisionedThroughputExceededException' } });
  t.teardown(() => proxy.close());
  const { emitter } = emitterFor(t, { manifestStream, kinesisEndpoint: proxy.endpoint });
  const first = await emitWithRetry(emitter, makeBatch(lines(3), seqs(3)), { backoff: FAST });
  const second = await emitWithRetry(emitter, makeBatch(lines(3), seqs(3, 3)), { backoff: FAST });
  t.is(proxy.throttled.get('PutRecord'), 1, 'the second batch\'s first PutRecord was throttled');
  t.deepEqual((await readStream(manifestStream)).map((r) => r.data), [first.location, second.location]);
});

test('a PutRecord throttled on every attempt is a retriable EmitError, so the batch is not acknowledged', async (t) => {
  const manifestStream = uniqueName('manifest');
  await createStream(env.kinesisClient, manifestStream, 1, { pollMs: 20 });
  const proxy = await startThrottlingProxy(env.kinesis.endpoint, { PutRecord: { every: 1, error: 'ProvisionedThroughputExceededException' } });
  t.teardown(() => proxy.close());
  const { emitter } = emitterFor(t, { manifestStream, kinesisEndpoint: proxy.endpoint });
  const err = await t.throwsAsync(emitWithRetry(emitter, makeBatch(lines(3), seqs(3)), { attempts: 3, backoff: FAST }), { instanceOf: EmitError });
  t.true(err.retriable);
  t.true(err.message.includes(`manifest stream ${manifestStream}`), err.message);
  t.regex(err.message, /ProvisionedThroughputExceededException/);
  t.is(proxy.throttled.get('PutRecord'), 3, 'three attempts');
  t.deepEqual(await readStream(manifestStream), []);
});

test('when the upload fails nothing is put on the manifest stream', async (t) => {
  const manifestStream = uniqueName('manifest');
  await createStream(env.kinesisClient, manifestStream, 1, { pollMs: 20 });
  const { emitter } = emitterFor(t, { manifestStream, bucket: 'no-such-bucket' });
  const err = await t.throwsAsync(emitter.emit(makeBatch(lines(3), seqs(3))), { instanceOf: EmitError });
  t.regex(err.message, /S3 PutObject s3:\/\/no-such-bucket\/.* failed: NoSuchBucket/);
  t.deepEqual(await readStream(manifestStream), []);
});

test('options are validated with messages naming the option; close returns the same promise', async (t) => {
  const bad = (options: Partial<S3ManifestEmitterOptions>) => () => emitterFor(t, { manifestStream: 'ok', ...options });
  t.throws(bad({ manifestStream: 'has space' }), { message: 'manifestStream must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -), got "has space"' });
  const { emitter } = emitterFor(t, { manifestStream: 'ok' });
  // The retry budget belongs to the one retry layer (the emitter thread's), checked the same way.
  t.throws(() => emitWithRetry(emitter, makeBatch(lines(1), seqs(1)), { attempts: -2 }), { message: 'attempts must be a positive integer, got -2' });
  t.throws(() => emitWithRetry(emitter, makeBatch(lines(1), seqs(1)), { backoff: { maxMs: Number.NaN } }), { message: 'backoff.maxMs must be a non-negative number, got NaN' });
  const closing = emitter.close();
  t.is(emitter.close(), closing);
  await closing;
});
