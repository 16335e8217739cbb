import test from 'ava';
import { emitWithRetry } from '../src/emitters/emit-with-retry.js';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { KinesisEmitter, PUT_RECORD_MAX_BYTES, PUT_RECORDS_MAX_BYTES, type KinesisEmitterOptions } from '../src/emitters/kinesis/kinesis-emitter.js';
import { createStream } from '../src/aws/create-stream.js';
import { EmitError } from '../src/core/errors.js';
import { startLocalKinesis, type LocalKinesis } from '../src/local/emulators.js';
import { uniqueName } from './helpers/components.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';
import { FAIL_CODE, startPartialFailureProxy, type FailRule, type PartialFailureProxy } from './helpers/partial-failure-proxy.js';

let kinesis: LocalKinesis;
let reader: KinesisClient;
test.before(async () => {
  kinesis = await startLocalKinesis();
  reader = createKinesisClient({ region: 'us-east-1', endpoint: kinesis.endpoint });
});
test.after.always(async () => {
  reader?.destroy();
  await kinesis?.close();
});

const FAST = { baseMs: 5, maxMs: 40 };

interface Landed { shardId: string; partitionKey: string; data: string }

/** Every record in the stream, from every shard, from the start. */
async function readStream(stream: string): Promise<Landed[]> {
  const shards = (await reader.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const out: Landed[] = [];
  for (const shard of shards) {
    let iterator = (await reader.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await reader.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const records = page.Records ?? [];
      for (const r of records) out.push({ shardId: shard.ShardId!, partitionKey: r.PartitionKey!, data: Buffer.from(r.Data!).toString('utf8') });
      if (records.length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** A proxy in front of kinesalite, an emitter talking through it, and a fresh target stream. */
async function setup(t: { teardown(fn: () => Promise<void>): void }, shards: number, rule: FailRule = () => false,
  options: Partial<KinesisEmitterOptions> = {}): Promise<{ stream: string; proxy: PartialFailureProxy; emitter: KinesisEmitter }> {
  const stream = uniqueName('kin-target');
  await createStream(reader, stream, shards, { pollMs: 20 });
  const proxy = await startPartialFailureProxy(kinesis.endpoint, rule);
  const emitter = new KinesisEmitter({
    client: createKinesisClient({ region: 'us-east-1', endpoint: proxy.endpoint }), stream, ...options,
  });
  t.teardown(async () => {
    await emitter.close();
    await proxy.close();
  });
  return { stream, proxy, emitter };
}

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => JSON.stringify({ n: from + i, note: `record ${from + i}` }));
const numberOf = (data: Buffer | string) => (JSON.parse(data.toString()) as { n: number }).n;

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1);
  return m;
}

test('1,234 records land once each, in requests of at most 500, keyed by source sequence number', async (t) => {
  const { stream, proxy, emitter } = await setup(t, 3);
  const seq = seqs(1234);
  const batch = makeBatch(lines(1234), seq, { shardId: 'shardId-000000000002' });
  const { location } = await emitter.emit(batch);
  t.is(location, `kinesis://${stream}/shardId-000000000002/${seq[0]}-${seq[1233]}`);
  t.deepEqual(proxy.calls.map((c) => c.entries.length), [500, 500, 234]);

  const landed = await readStream(stream);
  t.is(landed.length, 1234);
  const byData = new Map(landed.map((r) => [r.data, r]));
  t.is(byData.size, 1234, 'no record twice');
  lines(1234).forEach((line, i) => {
    const r = byData.get(line);
    if (!r) return t.fail(`record ${i} missing (its data must be the line without the newline)`);
    t.is(r.partitionKey, seq[i]);
  });
  t.is(new Set(landed.map((r) => r.shardId)).size, 3, 'sequence-number keys spread the records over every shard');
});

test('requests stay under 5 MiB counting data and partition keys', async (t) => {
  const { stream, proxy, emitter } = await setup(t, 2);
  const big = Array.from({ length: 60 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat(200 * 1024) }));
  await emitter.emit(makeBatch(big, seqs(60)));
  const sizes = proxy.calls.map((c) => c.entries.reduce((n, e) => n + e.data.byteLength + Buffer.byteLength(e.partitionKey), 0));
  t.true(sizes.length >= 3, `${sizes.length} requests for about 12 MiB`);
  for (const s of sizes) t.true(s <= PUT_RECORDS_MAX_BYTES, `request of ${s} bytes`);
  t.true(sizes[0] > PUT_RECORDS_MAX_BYTES - 210 * 1024, 'a request is filled before a new one starts');
  const landed = await readStream(stream);
  t.deepEqual(landed.map((r) => numberOf(r.data)).sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i));
});

test('failed entries, and only those, are sent again until all land exactly once', async (t) => {
  // Each record is failed on its first try when n % 4 == 0, and again on its second when n % 12 == 0.
  const tries = new Map<number, number>();
  const rule: FailRule = (entry) => {
    const n = numberOf(entry.data);
    const seen = tries.get(n) ?? 0;
    tries.set(n, seen + 1);
    return (seen === 0 && n % 4 === 0) || (seen === 1 && n % 12 === 0);
  };
  const { stream, proxy, emitter } = await setup(t, 4, rule);
  await emitWithRetry(emitter, makeBatch(lines(700), seqs(700)), { backoff: FAST });

  t.is(proxy.failedCount(), 175 + 59, 'the proxy failed 175 first tries and 59 second tries');
  // Chunk 1 (500 records): 500, then its 125 failures, then their 42 second failures; chunk 2 likewise.
  t.deepEqual(proxy.calls.map((c) => c.entries.length), [500, 125, 42, 200, 50, 17]);
  for (const k of [1, 2, 4, 5]) {
    const previous = proxy.calls[k - 1];
    t.deepEqual(proxy.calls[k].entries.map((e) => e.partitionKey), previous.failed.map((i) => previous.entries[i].partitionKey),
      `call ${k} resends exactly the entries call ${k - 1} failed, in order`);
  }
  const sent = countBy(proxy.calls.flatMap((c) => c.entries), (e) => String(numberOf(e.data)));
  for (let n = 0; n < 700; n++) t.is(sent.get(String(n)), 1 + (n % 4 === 0 ? 1 : 0) + (n % 12 === 0 ? 1 : 0), `tries of record ${n}`);

  const landed = countBy(await readStream(stream), (r) => String(numberOf(r.data)));
  t.is(landed.size, 700);
  t.true([...landed.values()].every((c) => c === 1), 'every record is in the target stream exactly once');
});

test('an entry that keeps failing ends in a retriable EmitError naming the stream and the error code', async (t) => {
  const { stream, proxy, emitter } = await setup(t, 1, (entry) => numberOf(entry.data) === 7);
  const seq = seqs(20);
  const err = await t.throwsAsync(emitWithRetry(emitter, makeBatch(lines(20), seq), { attempts: 3, backoff: FAST }), { instanceOf: EmitError });
  t.true(err.retriable, 'throttling is worth retrying later');
  t.true(err.message.includes(stream), err.message);
  t.true(err.message.includes(FAIL_CODE), err.message);
  t.true(err.message.includes(seq[7]), err.message);
  t.regex(err.message, /after 3 attempts/);
  t.deepEqual(proxy.calls.map((c) => c.entries.length), [20, 1, 1], 'only the failing entry was retried, 3 tries in all');
  const landed = (await readStream(stream)).map((r) => numberOf(r.data)).sort((a, b) => a - b);
  t.deepEqual(landed, Array.from({ length: 20 }, (_, i) => i).filter((n) => n !== 7), 'the other records were stored once');
});

test('a record over 1 MiB (data plus partition key) is a non-retriable EmitError naming it; nothing is sent', async (t) => {
  const { stream, proxy, emitter } = await setup(t, 1);
  const seq = seqs(3);
  const keyBytes = seq[0].length;
  const fits = 'a'.repeat(PUT_RECORD_MAX_BYTES - keyBytes);
  const tooBig = 'b'.repeat(PUT_RECORD_MAX_BYTES - keyBytes + 1);
  const err = await t.throwsAsync(emitter.emit(makeBatch(['{"n":0}', fits, tooBig], seq)), { instanceOf: EmitError });
  t.false(err.retriable);
  t.true(err.message.includes(seq[2]), err.message);
  t.false(err.message.includes(seq[1]), 'the record exactly at the limit is not the one named');
  t.true(err.message.includes(stream), err.message);
  t.is(proxy.calls.length, 0, 'the batch was refused before any record was sent');

  // The record exactly at the limit goes through on its own.
  await emitter.emit(makeBatch(['{"n":0}', fits], seq.slice(0, 2)));
  const landed = await readStream(stream);
  t.deepEqual(landed.map((r) => r.data.length).sort((a, b) => a - b), [7, PUT_RECORD_MAX_BYTES - keyBytes]);
});

test("partitionKey 'source-shard' keys every record by its source shard, keeping them on one target shard", async (t) => {
  const { stream, emitter } = await setup(t, 4, () => false, { partitionKey: 'source-shard' });
  await emitter.emit(makeBatch(lines(300), seqs(300), { shardId: 'shardId-000000000005' }));
  const landed = await readStream(stream);
  t.is(landed.length, 300);
  t.true(landed.every((r) => r.partitionKey === 'shardId-000000000005'));
  t.is(new Set(landed.map((r) => r.shardId)).size, 1);
  t.deepEqual(landed.map((r) => numberOf(r.data)), Array.from({ length: 300 }, (_, i) => i), 'in batch order when nothing failed');
});

test('re-emitting a batch resolves again and writes the same records with the same keys (at least once)', async (t) => {
  const { stream, emitter } = await setup(t, 2);
  const batch = makeBatch(lines(50), seqs(50));
  const first = await emitter.emit(batch);
  const second = await emitter.emit(batch);
  t.is(second.location, first.location);
  const landed = await readStream(stream);
  t.is(landed.length, 100);
  const keysOf = countBy(landed, (r) => `${r.partitionKey} ${r.data}`);
  t.is(keysOf.size, 50, 'each copy carries the same partition key (the source sequence number), so consumers can drop it');
});

test('a missing target stream is a non-retriable EmitError naming the stream', async (t) => {
  const proxy = await startPartialFailureProxy(kinesis.endpoint, () => false);
  const emitter = new KinesisEmitter({ client: createKinesisClient({ region: 'us-east-1', endpoint: proxy.endpoint }), stream: 'no-such-target' });
  t.teardown(async () => { await emitter.close(); await proxy.close(); });
  const err = await t.throwsAsync(emitWithRetry(emitter, makeBatch(lines(3), seqs(3)), { backoff: FAST }), { instanceOf: EmitError });
  t.false(err.retriable);
  t.regex(err.message, /stream no-such-target failed: ResourceNotFoundException/);
  t.is(proxy.calls.length, 1, 'not retried');
});

test('options are validated with messages naming the option', (t) => {
  const client = createKinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
  t.teardown(() => client.destroy());
  const bad = (options: Partial<KinesisEmitterOptions>) => () => new KinesisEmitter({ client, stream: 'ok', ...options });
  t.throws(bad({ stream: 'no spaces' }), { message: 'stream must be a Kinesis stream name (1-128 of a-z A-Z 0-9 _ . -), got "no spaces"' });
  t.throws(bad({ partitionKey: 'random' as 'sequence' }), { message: 'partitionKey must be "sequence" or "source-shard", got "random"' });
  t.notThrows(bad({ partitionKey: 'source-shard' }));
  // The retry budget belongs to the one retry layer (the emitter thread's), checked the same way.
  const emitter = new KinesisEmitter({ client, stream: 'ok' });
  t.throws(() => emitWithRetry(emitter, makeBatch(lines(1), seqs(1)), { attempts: 0 }), { message: 'attempts must be a positive integer, got 0' });
  t.throws(() => emitWithRetry(emitter, makeBatch(lines(1), seqs(1)), { backoff: { baseMs: -1 } }), { message: 'backoff.baseMs must be a non-negative number, got -1' });
});
