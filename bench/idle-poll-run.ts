// The baseline of manyShards' idle figures: a plain SDK loop (the project's Kinesis client set-up,
// one thread) polling every shard of a stream as the pipeline does when idle: GetRecords, and after
// an empty answer a pause of `--poll-ms` (the pipeline's default `reader.pollIntervalMs`, 1,000).
// Once every shard has had an answer, prints {"event":"window-start"}, measures this process's CPU
// over `--idle-seconds`, prints {"event":"window-end"}, then its result (as many-shards-run.ts does).
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { performance } from 'node:perf_hooks';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { flags, idleWindow } from './common.js';
import { listAllShards } from './emulator-process.js';

const f = flags(process.argv.slice(2));
const stream = f.stream;
const idleSeconds = Number(f['idle-seconds'] ?? 10);
const pollMs = Number(f['poll-ms'] ?? 1000);
const print = (line: object) => process.stdout.write(JSON.stringify(line) + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const client = createKinesisClient({ region: 'us-east-1', endpoint: f.kinesis });
const shards = await listAllShards(client, stream);
let stop = false;
let answered = 0;
const polls = shards.map(async (s) => {
  let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  let first = true;
  while (!stop && iterator) {
    const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    if (first) answered++;
    first = false;
    iterator = out.NextShardIterator;
    if ((out.Records ?? []).length === 0) await sleep(pollMs);
  }
});
while (answered < shards.length) await sleep(50);
const caughtUpSeconds = performance.now() / 1000;
const window = await idleWindow(idleSeconds, print);
stop = true;
await Promise.all(polls);
client.destroy();
print({ shards: shards.length, caughtUpSeconds, ...window });
