// Question: how much reader CPU does GetRecords in CBOR save over the SDK's JSON? Reads the same
// records of ~1 KB from the embedded Kinesis (in a process of its own) with `kinesis.protocol`
// "cbor" and "json", alternately, and reports the reader's CPU µs per record (process.cpuUsage
// around the reads: the HTTP client, decoding, the reader's checks) and their ratio, medians of
// --reps runs. Usage: node dist/bench/getrecords-protocol.js [--records 100000] [--reps 3] [--out file.json]
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { KinesisCborClient } from '../src/aws/kinesis-cbor-client.js';
import { createStream } from '../src/aws/create-stream.js';
import { silentLogger } from '../src/core/logger.js';
import { KinesisShardSource } from '../src/sources/kinesis-shard-source.js';
import { median } from './common.js';
import { startServers } from './emulator-process.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const records = Number(args.get('records') ?? 100_000);
const reps = Number(args.get('reps') ?? 3);
const shards = 2;

/** A JSON line of about 1 KB, as events often are. */
function record(i: number): Buffer {
  const head = `{"i":${i},"user":"user-${i % 977}","page":"/p/${i % 131}","text":"`;
  return Buffer.from(head + 'lorem ipsum dolor sit amet '.repeat(40).slice(0, 1024 - head.length - 2) + '"}');
}

const servers = await startServers();
const client = createKinesisClient({ region: 'us-east-1', endpoint: servers.endpoints.kinesis });
const cborClient = new KinesisCborClient({ region: 'us-east-1', endpoint: servers.endpoints.kinesis, credentials: client.config.credentials });
try {
  const stream = `getrecords-protocol-${process.pid}`;
  await createStream(client, stream, shards);
  for (let start = 0; start < records; start += 500) {
    let entries = Array.from({ length: Math.min(500, records - start) }, (_, k) => ({ Data: record(start + k), PartitionKey: `k-${start + k}` }));
    while (entries.length > 0) {
      const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
      entries = entries.filter((_, k) => res.Records?.[k]?.ErrorCode);
    }
  }
  const source = (protocol: 'cbor' | 'json') => new KinesisShardSource({ client, stream, logger: silentLogger, cborClient: protocol === 'cbor' ? cborClient : undefined });
  const shardIds = (await source('json').listShards()).map((s) => s.shardId);

  async function readAll(protocol: 'cbor' | 'json'): Promise<{ cpuUsPerRecord: number; seconds: number }> {
    const src = source(protocol);
    let count = 0;
    let bytes = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (const shardId of shardIds) {
      const reader = src.openReader(shardId, { type: 'TRIM_HORIZON' });
      for (;;) {
        const page = await reader.read();
        if (page.records.length === 0) break;
        count += page.records.length;
        for (const r of page.records) bytes += r.data.byteLength;
      }
    }
    const cpu = process.cpuUsage(cpu0);
    if (count !== records) throw new Error(`${protocol}: read ${count} records of ${records}`);
    if (bytes !== records * 1024) throw new Error(`${protocol}: read ${bytes} bytes, not ${records * 1024}`);
    return { cpuUsPerRecord: (cpu.user + cpu.system) / count, seconds: (performance.now() - t0) / 1000 };
  }

  await readAll('cbor'); // warm-up of both paths (JIT, connections)
  await readAll('json');
  const runs: Record<'cbor' | 'json', Array<{ cpuUsPerRecord: number; seconds: number }>> = { cbor: [], json: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const protocol of ['cbor', 'json'] as const) runs[protocol].push(await readAll(protocol));
  }
  const cbor = median(runs.cbor.map((r) => r.cpuUsPerRecord));
  const json = median(runs.json.map((r) => r.cpuUsPerRecord));
  const result = {
    records, recordBytes: 1024, shards, reps,
    cborCpuUsPerRecord: cbor, jsonCpuUsPerRecord: json, jsonOverCbor: json / cbor,
    cborSeconds: median(runs.cbor.map((r) => r.seconds)), jsonSeconds: median(runs.json.map((r) => r.seconds)), runs,
  };
  process.stderr.write(`records ${records} of 1 KB, ${shards} shards, median of ${reps}\n` +
    `protocol  reader CPU µs/record  wall s\n` +
    `cbor      ${cbor.toFixed(2).padStart(20)}  ${result.cborSeconds.toFixed(2).padStart(6)}\n` +
    `json      ${json.toFixed(2).padStart(20)}  ${result.jsonSeconds.toFixed(2).padStart(6)}\n` +
    `json / cbor: ${result.jsonOverCbor.toFixed(2)}\n`);
  if (args.get('out')) await writeFile(args.get('out')!, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  cborClient.destroy();
  client.destroy();
  await servers.stop();
}
