// One measured run of the loop a user would write by hand with the SDK, embedded Kinesis -> sample
// transform -> embedded S3 with checkpoints, in a fresh process of its own (as the pipeline's run is).
// Prints one JSON line.
//
// `--mode concurrent` (what a competent user writes): one thread, a Promise.all over every shard, each
// shard looping GetRecords (Limit 10,000) -> toRecord/keepRecord/fromRecord -> PutObject of 500 lines
// -> checkpoint (one FileCheckpointStore shared by the shards), its remainder flushed when the shard is
// exhausted. `--mode sequential`: the same, one shard after another.
//
// Timed from this process's start (`performance.now()` counts from `performance.timeOrigin`), so Node's
// start-up, module loading and client set-up are in, as they are in the pipeline's run; CPU is
// `process.cpuUsage()` of the whole process at the end (every thread, from spawn). It loads the SDK the
// way the pipeline does (`src/aws/sdk-modules.ts`: require(), cheaper than import on Node 20).
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { kinesisSdk, s3Sdk } from '../src/aws/sdk-modules.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { fromRecord, keepRecord, toRecord } from '../src/local/sample-transform.js';
import { flags, peakRssMB } from './common.js';

const { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } = kinesisSdk();
const { PutObjectCommand } = s3Sdk();
const f = flags(process.argv.slice(2));
const records = Number(f.records);
const mode = f.mode === 'sequential' ? 'sequential' : 'concurrent';
const stream = f.stream;
const bucket = f.bucket;
const limit = Number(f.limit ?? 10_000);

/** Reads one shard to its end: GetRecords -> transform -> PutObject of 500 lines -> checkpoint. */
async function readShard(kinesis: KinesisClient, s3: S3Client, store: FileCheckpointStore, shardId: string): Promise<number> {
  let seen = 0;
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  let lines: string[] = [];
  let first = '';
  let last = '';
  const flush = async () => {
    if (!last) return;
    if (lines.length > 0) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${mode}/${shardId}/${first}-${last}`, Body: lines.join('\n') + '\n' }));
    }
    await store.set(shardId, last);
    lines = [];
    first = '';
  };
  while (iterator) {
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    for (const r of out.Records ?? []) {
      seen++;
      if (!first) first = r.SequenceNumber!;
      last = r.SequenceNumber!;
      const model = toRecord(Buffer.from(r.Data!));
      if (keepRecord(model)) lines.push(fromRecord(model));
      if (lines.length >= 500) await flush();
    }
    if ((out.Records ?? []).length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
    iterator = out.NextShardIterator;
  }
  await flush();
  return seen;
}

const dir = await mkdtemp(join(tmpdir(), `kc-bench-${mode}-`));
const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: f.kinesis });
const s3 = createS3Client({ region: 'us-east-1', endpoint: f.s3, forcePathStyle: true });
const store = new FileCheckpointStore({ app: mode, stream, file: join(dir, 'checkpoints.json') });
try {
  await store.open();
  const shards = ((await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []).map((s) => s.ShardId!);
  let seen = 0;
  if (mode === 'concurrent') {
    seen = (await Promise.all(shards.map((id) => readShard(kinesis, s3, store, id)))).reduce((a, b) => a + b, 0);
  } else {
    for (const id of shards) seen += await readShard(kinesis, s3, store, id);
  }
  if (seen !== records) throw new Error(`the ${mode} loop read ${seen} of ${records} records`);
  const seconds = performance.now() / 1000;
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ mode, records, seconds, rps: records / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMB: peakRssMB() }) + '\n');
} finally {
  await store.close();
  kinesis.destroy();
  s3.destroy();
  await rm(dir, { recursive: true, force: true });
}
