// Question: end to end (embedded Kinesis -> sample transform -> embedded S3, with checkpoints), how
// does the pipeline compare with the plain single-threaded loop a user would write with the SDK
// (GetRecords -> transform -> PutObject -> checkpoint) over the same stream contents?
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createStream } from '../src/aws/create-stream.js';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { createS3Client } from '../src/aws/s3-client.js';
import { fromRecord, keepRecord, toRecord } from '../src/local/sample-transform.js';
import { median, recordOf, runChild } from './common.js';

interface Endpoints { kinesis: string; s3: string; bucket: string }

interface Servers { endpoints: Endpoints; cpuSeconds(): Promise<number>; stop(): Promise<void> }

export async function startServers(): Promise<Servers> {
  const child = spawn(process.execPath, [new URL('./local-aws.js', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const lines = createInterface({ input: child.stdout });
  let exited: Error | undefined;
  const waiting = new Set<(err: Error) => void>();
  child.once('exit', (code) => {
    exited = new Error(`the embedded AWS process exited (${code})`);
    for (const reject of waiting) reject(exited);
  });
  const nextLine = () => new Promise<string>((resolve, reject) => {
    if (exited) return reject(exited);
    waiting.add(reject);
    lines.once('line', (l) => {
      waiting.delete(reject);
      resolve(l);
    });
  });
  const line = await nextLine();
  return {
    endpoints: JSON.parse(line) as Endpoints,
    async cpuSeconds() {
      const answer = nextLine();
      child.stdin.write('cpu\n');
      return (JSON.parse(await answer) as { cpuMs: number }).cpuMs / 1000;
    },
    stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.stdin.end(); }),
  };
}

async function fill(client: KinesisClient, stream: string, records: number): Promise<void> {
  await createStream(client, stream, 4);
  for (let start = 0; start < records; start += 500) {
    let entries = Array.from({ length: Math.min(500, records - start) }, (_, k) => ({ Data: recordOf('click', start + k), PartitionKey: `user-${start + k}` }));
    while (entries.length > 0) {
      const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
      entries = entries.filter((_, k) => res.Records?.[k]?.ErrorCode);
    }
  }
}

/** The loop a user would write by hand: one shard after another, one thread, one call at a time. */
async function naive(kinesis: KinesisClient, s3: S3Client, stream: string, bucket: string, records: number): Promise<{ rps: number; cpuSeconds: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-bench-naive-'));
  const store = new FileCheckpointStore({ app: 'naive', stream, file: join(dir, 'checkpoints.json') });
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let seen = 0;
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    for (const shard of shards) {
      let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      let lines: string[] = [];
      let first = '';
      let last = '';
      const flush = async () => {
        if (!last) return;
        if (lines.length > 0) {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `naive/${shard.ShardId}/${first}-${last}`, Body: lines.join('\n') + '\n' }));
        }
        await store.set(shard.ShardId!, last);
        lines = [];
        first = '';
      };
      while (iterator) {
        const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
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
    }
    if (seen !== records) throw new Error(`the naive loop read ${seen} of ${records} records`);
    const rps = records / ((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    return { rps, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs both sides `reps` times over the same stream. Besides records/s it records CPU seconds: of the
 * naive loop, of the pipeline process, and of the emulators during each. `cpuBoundSpeedup` is the
 * best speedup any parallel pipeline doing the naive loop's work could reach on these cores while the
 * emulators take their share: naive wall time / ((naive CPU + emulator CPU) / cores).
 */
export async function e2e(records: number, reps: number, extra: string[] = []) {
  const servers = await startServers();
  const { endpoints } = servers;
  const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: endpoints.kinesis });
  const s3 = createS3Client({ region: 'us-east-1', endpoint: endpoints.s3, forcePathStyle: true });
  const cores = availableParallelism();
  try {
    const stream = `bench-${Date.now()}`;
    await fill(kinesis, stream, records);
    const naiveRuns: Array<{ rps: number; cpuSeconds: number; emulatorCpuSeconds: number }> = [];
    const pipelineRuns: Array<{ rps: number; cpuSeconds: number; emulatorCpuSeconds: number; seconds: number }> = [];
    for (let r = 0; r < reps; r++) {
      let e0 = await servers.cpuSeconds();
      const n = await naive(kinesis, s3, stream, endpoints.bucket, records);
      naiveRuns.push({ ...n, emulatorCpuSeconds: (await servers.cpuSeconds()) - e0 });
      e0 = await servers.cpuSeconds();
      const run = await runChild<{ rps: number; cpuSeconds: number; seconds: number }>('./e2e-pipeline-run.js', ['--records', String(records), '--stream', stream,
        '--kinesis', endpoints.kinesis, '--s3', endpoints.s3, '--bucket', endpoints.bucket, ...extra]);
      pipelineRuns.push({ ...run, emulatorCpuSeconds: (await servers.cpuSeconds()) - e0 });
    }
    const pipelineRps = median(pipelineRuns.map((r) => r.rps));
    const naiveRps = median(naiveRuns.map((r) => r.rps));
    const naiveCpu = median(naiveRuns.map((r) => r.cpuSeconds));
    const naiveEmulatorCpu = median(naiveRuns.map((r) => r.emulatorCpuSeconds));
    const pipelineCpu = median(pipelineRuns.map((r) => r.cpuSeconds));
    const pipelineEmulatorCpu = median(pipelineRuns.map((r) => r.emulatorCpuSeconds));
    const naiveWall = records / naiveRps;
    return {
      e2e: {
        records, pipelineRps, naiveRps, speedup: pipelineRps / naiveRps,
        naiveCpuSeconds: naiveCpu, naiveEmulatorCpuSeconds: naiveEmulatorCpu,
        pipelineCpuSeconds: pipelineCpu, pipelineEmulatorCpuSeconds: pipelineEmulatorCpu,
        pipelineCpuUtilization: median(pipelineRuns.map((r) => (r.cpuSeconds + r.emulatorCpuSeconds) / (r.seconds * cores))),
        cpuBoundSpeedup: naiveWall / ((naiveCpu + naiveEmulatorCpu) / cores),
        runs: { pipeline: pipelineRuns.map((r) => r.rps), naive: naiveRuns.map((r) => r.rps) },
      },
    };
  } finally {
    kinesis.destroy();
    s3.destroy();
    await servers.stop();
  }
}
