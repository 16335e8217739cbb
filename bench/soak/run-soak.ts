// The chaos soak: the emulators in a process of their own, a Redis of its own, the pipeline in a
// child process reading an 8-shard stream into the embedded S3 (through a proxy that can fail),
// a producer putting records during the run, and a seeded schedule of faults of every kind. At
// the end it reads every object back, counts lost and duplicated records and checks that every
// shard's checkpoint is at the last record put on it.
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream } from '../../src/aws/create-stream.js';
import { createKinesisClient } from '../../src/aws/kinesis-client.js';
import { createS3Client } from '../../src/aws/s3-client.js';
import { checkpointKey } from '../../src/checkpoint/checkpoint-store.js';
import { startAwsProcess, type AwsProcess } from './aws-process.js';
import { countByKind, faultSchedule, type Fault, type FaultKind } from './fault-schedule.js';
import { PipelineProcess } from './pipeline-process.js';
import { PrivateRedis } from './private-redis.js';
import { produce } from './producer.js';
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy.js';
import { checkpointsAtTail, countStored, type CheckpointCheck, type StoredCounts } from './verify.js';

export interface SoakOptions {
  records: number;
  faults: number;
  seed: number;
  /** Mean pause between faults; the producer is paced to end about when the faults do. */
  meanGapMs: number;
  /** Adds the transform that hangs on one record (isolated by window bisection and dead-lettered). */
  hangFault?: boolean;
  /** Gives up waiting for the checkpoints to reach the tail after this long past the last fault. */
  settleTimeoutMs?: number;
  /** Keeps the work folder (pipeline log, config) instead of removing it. */
  keep?: boolean;
  progress?: (line: string) => void;
}

export interface SoakResult {
  records: number;
  seed: number;
  shards: number;
  faultsPlanned: Record<string, number>;
  faultsApplied: Record<string, number>;
  faultsSkipped: Array<{ kind: FaultKind; reason: string }>;
  pipelineStarts: number;
  unexpectedExits: number;
  actorRestarts: number;
  s3FailedRequests: Record<string, number>;
  stored: StoredCounts;
  /** Duplicates allowed by the in-flight bound (see duplicateBound). */
  duplicateBound: number;
  checkpoints: CheckpointCheck[];
  allCheckpointsAtTail: boolean;
  seconds: number;
  recordsPerSecond: number;
  logFile?: string;
  /** With --hang-fault: dead-letter lines holding the record that hangs its transform (1 expected). */
  hangDeadLettered?: number;
}

const SHARDS = 8;
const HOST_THREADS = 2;
const EMITTER_THREADS = 1;
const APP = 'soak';
const STREAM = 'soak-clicks';
/** The smallest click event is larger than this: the in-flight bound in records uses it. */
const MIN_RECORD_BYTES = 200;

function pipelineOptions(aws: AwsProcess, proxy: S3FaultProxy, redis: PrivateRedis, dir: string, hang: boolean) {
  return {
    app: APP, stream: STREAM, startPosition: 'TRIM_HORIZON',
    kinesis: { endpoint: aws.kinesis, region: 'us-east-1' },
    checkpoint: { redis: redis.url, intervalMs: 1000 },
    // One process, restarted after each SIGKILL: a stable worker id takes its leases back at once.
    worker: { id: 'soak' },
    transform: { threads: 2, windowRecords: 500, windowsInFlight: 4, timeoutMs: 5000,
      ...(hang ? { module: new URL('./hang-transform.js', import.meta.url).pathname } : {}) },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 500 },
    emitter: { type: 's3', bucket: aws.bucket, endpoint: proxy.endpoint, forcePathStyle: true, region: 'us-east-1', threads: EMITTER_THREADS },
    reader: { pollIntervalMs: 200, maxRecordsPerCall: 5000, maxBytesInFlight: 1 << 20 },
    shards: { hostThreads: HOST_THREADS, discoveryIntervalMs: 10_000 },
    restart: { baseMs: 200, maxMs: 3000, maxRestarts: 100, windowMs: 60_000, slowRetryMs: 5000 },
    deadLetter: { dir: join(dir, 'dead-letter') },
    shutdownTimeoutMs: 20_000,
    logLevel: 'warn',
  };
}

/**
 * Per shard restart, the records that may be stored but not yet committed: the bytes in flight
 * (`reader.maxBytesInFlight`) over the smallest record, one buffer, and what one shard stores in
 * `checkpoint.intervalMs` at the run's average rate (an estimate: catch-up after a restart is faster).
 */
function perRestartBound(recordsPerSecond: number): number {
  return Math.ceil((1 << 20) / MIN_RECORD_BYTES) + 500 + Math.ceil((recordsPerSecond / SHARDS) * 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const say = o.progress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'kc-soak-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const redis = await PrivateRedis.start(dir);
    cleanups.push(() => redis.shutdown());
    const aws = await startAwsProcess(join(dir, 's3'));
    cleanups.push(() => aws.close());
    const proxy = await startS3FaultProxy(aws.s3);
    cleanups.push(() => proxy.close());
    const kinesis = createKinesisClient({ region: 'us-east-1', endpoint: aws.kinesis });
    cleanups.push(() => Promise.resolve(kinesis.destroy()));
    await createStream(kinesis, STREAM, SHARDS);
    const configFile = join(dir, 'pipeline.json');
    await writeFile(configFile, JSON.stringify(pipelineOptions(aws, proxy, redis, dir, o.hangFault ?? false)));
    const pipe = new PipelineProcess(configFile, join(dir, 'pipeline.log'));
    cleanups.push(() => pipe.kill());

    const schedule = faultSchedule({ faults: o.faults, seed: o.seed, meanGapMs: o.meanGapMs, shards: SHARDS,
      hostThreads: HOST_THREADS, emitterThreads: EMITTER_THREADS });
    if (o.hangFault) schedule.splice(Math.floor(schedule.length / 2), 0, { kind: 'hang', gapMs: o.meanGapMs, target: 0, durationMs: 0 });
    const spanMs = schedule.reduce((n, f) => n + f.gapMs + f.durationMs, 0);
    say(`soak: ${o.records} records over ${SHARDS} shards, ${schedule.length} faults (seed ${o.seed}), about ${Math.round(spanMs / 1000)} s of faults`);

    const started = Date.now();
    const producer = produce(kinesis, STREAM, o.records, { spanMs });
    await pipe.start();
    const applied: Fault[] = [];
    const skipped: Array<{ kind: FaultKind; reason: string }> = [];
    let unexpectedExits = 0;
    const ensureRunning = async () => {
      if (pipe.running) return;
      unexpectedExits++;
      say('the pipeline process exited on its own; starting it again');
      await pipe.start();
    };
    const inject = faultInjector(pipe, redis, proxy, async () => {
      const res = await kinesis.send(new PutRecordsCommand({ StreamName: STREAM,
        Records: [{ Data: Buffer.from('{"id":"hang-0","hang":true}'), PartitionKey: 'hang' }] }));
      const r = res.Records![0];
      if (r.ErrorCode) throw new Error(`the hang record was refused: ${r.ErrorCode}`);
      const prev = producer.tail.get(r.ShardId!);
      if (!prev || BigInt(prev) < BigInt(r.SequenceNumber!)) producer.tail.set(r.ShardId!, r.SequenceNumber!);
    });
    for (const [k, f] of schedule.entries()) {
      await sleep(f.gapMs);
      await ensureRunning();
      const reason = await inject(f);
      if (reason) skipped.push({ kind: f.kind, reason });
      else applied.push(f);
      say(`fault ${k + 1}/${schedule.length} ${f.kind}${reason ? ` skipped: ${reason}` : ''} (produced ${producer.produced})`);
    }
    await producer.done;
    say(`all ${o.records} records produced; waiting for every checkpoint to reach its shard's tail`);
    const keys = [...producer.tail.keys()].map((shard) => checkpointKey(APP, STREAM, shard));
    const deadline = Date.now() + (o.settleTimeoutMs ?? 120_000);
    let checkpoints: CheckpointCheck[] = [];
    for (;;) {
      await ensureRunning();
      checkpoints = checkpointsAtTail(producer.tail, await redis.getAll(keys).catch(() => keys.map(() => null)));
      if (checkpoints.every((c) => c.atTail) || Date.now() > deadline) break;
      await sleep(250);
    }
    const seconds = (Date.now() - started) / 1000;
    await pipe.drill('stats');
    await pipe.stop();
    say('pipeline stopped; reading every object back');
    const stored = await readBack(aws, o.records);
    const hangDeadLettered = o.hangFault ? await countHangDeadLetters(join(dir, 'dead-letter')) : undefined;
    const recordsPerSecond = o.records / seconds;
    const shardRestarts = pipe.restarts + SHARDS * (countByKind(applied).sigkill ?? 0);
    return {
      records: o.records, seed: o.seed, shards: SHARDS,
      faultsPlanned: countByKind(schedule), faultsApplied: countByKind(applied), faultsSkipped: skipped,
      pipelineStarts: pipe.starts, unexpectedExits, actorRestarts: pipe.restarts,
      s3FailedRequests: Object.fromEntries(proxy.failed),
      stored, duplicateBound: shardRestarts * perRestartBound(recordsPerSecond),
      checkpoints, allCheckpointsAtTail: checkpoints.every((c) => c.atTail),
      seconds, recordsPerSecond,
      logFile: o.keep ? join(dir, 'pipeline.log') : undefined,
      hangDeadLettered,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (!o.keep) await rm(dir, { recursive: true, force: true });
  }
}

async function readBack(aws: AwsProcess, records: number): Promise<StoredCounts> {
  const s3 = createS3Client({ region: 'us-east-1', endpoint: aws.s3, forcePathStyle: true });
  try {
    return await countStored(s3, aws.bucket, records);
  } finally {
    s3.destroy();
  }
}

/** Applies one fault; resolves with why it could not be, or undefined once it was. */
function faultInjector(pipe: PipelineProcess, redis: PrivateRedis, proxy: S3FaultProxy, putHangRecord: () => Promise<void>) {
  return async (f: Fault): Promise<string | undefined> => {
    switch (f.kind) {
      case 'sigkill':
        await pipe.drill('stats');
        await pipe.kill();
        await sleep(f.durationMs);
        await pipe.start();
        return undefined;
      case 'kill-actor': {
        // A shard whose actor is restarting cannot be killed: try the next ones.
        let reason: string | undefined;
        for (let k = 0; k < SHARDS; k++) {
          reason = await pipe.drill(`kill-actor shardId-${String((f.target + k) % SHARDS).padStart(12, '0')}`);
          if (!reason) return undefined;
        }
        return reason;
      }
      case 'kill-host': return pipe.drill(`kill-host ${f.target}`);
      case 'kill-emitter': return pipe.drill(`kill-emitter ${f.target}`);
      case 'redis-restart':
        await redis.restart(f.durationMs);
        return undefined;
      case 's3-500':
      case 's3-503':
      case 's3-slowdown':
        proxy.failFor(f.kind, f.durationMs);
        return undefined;
      case 'hang':
        await putHangRecord();
        return undefined;
    }
  };
}

/** Dead-letter lines (every shard's file) whose record is the one that hangs its transform. */
async function countHangDeadLetters(deadLetterDir: string): Promise<number> {
  const files = await readdir(deadLetterDir).catch(() => [] as string[]);
  let count = 0;
  for (const f of files) {
    const text = await readFile(join(deadLetterDir, f), 'utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const entry = JSON.parse(line) as { dataBase64?: string };
      if (Buffer.from(entry.dataBase64 ?? '', 'base64').toString('utf8').includes('"hang":true')) count++;
    }
  }
  return count;
}
