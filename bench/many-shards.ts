// Question: what does a stream of many shards (1,000) cost one pipeline process? Its CPU and memory
// while every shard is idle (and the emulator's, answering the idle polls), and whether 4 hot shards
// among 996 idle ones go as fast as the same records through a 4-shard stream.
//
// Each rep, every run in a fresh process (many-shards-run.ts), the pipeline with its default settings
// (identity transform, discarding emitter, file checkpoints):
// 1. a fresh emulator process with an empty `shards`-shard stream: the idle run (its idle polls'
//    default backoff at its maximum); the same idle window for a plain SDK loop polling every shard
//    once a second (idle-poll-run.ts); the idle run again with reader.maxIdlePollIntervalMs =
//    `maxIdlePollMs` (1,000 by default: no backoff, 1 poll a shard a second, as the SDK loop);
// 2. `records` put into `hot` shards of that stream only (ExplicitHashKey = the start of each chosen
//    shard's hash key range; checked afterwards by which shards have checkpoints): the hot run, given
//    up after `kinesisHotSeconds` (kinesalite may not serve it: see the README);
// 3. a fresh emulator with a `hot`-shard stream holding the same records: the same run over it
//    (kinesalite holds at most 1,000 shards, hence an emulator process per stream);
// 4. the same two hot runs over replay files (`source.type: "files"`: `shards` files of which `hot`
//    hold `fileRecords` records; an empty file ends its shard at once, so the other shards are
//    ended, not idle).
// The headline hot figures are the Kinesis ones when every Kinesis hot run finished, else the files'.
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultMaxIdlePollMs } from '../src/actors/idle-polls.js';
import { createStream } from '../src/aws/create-stream.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { createKinesisClient } from '../src/aws/kinesis-client.js';
import { median, runChild, runChildLines } from './common.js';
import { listAllShards, putAll, startServers, type Servers } from './emulator-process.js';

export interface ManyShardsOptions {
  shards: number; hot: number; records: number; recordBytes: number; idleSeconds: number; reps: number;
  /** A Kinesis hot run is given up after this long. */
  kinesisHotSeconds: number;
  /** The records of the replay-file runs (identity over files is fast: more records than `records`, or it times start-up only). */
  fileRecords: number;
  extra?: string[];
  /** reader.maxIdlePollIntervalMs of a second idle run of the pipeline (1,000, the poll interval: no backoff; 0: no second run). */
  maxIdlePollMs: number;
}

interface HotRun {
  completed: boolean; records: number; seconds: number; rps: number; rpsFromFirstRead?: number; recordsRead?: number;
  startResolvedSeconds: number; peakRssMB: number; shardsWithRecords?: number;
}
interface IdleRun {
  startResolvedSeconds: number; caughtUpSeconds: number; idleCpuPercent: number; rssMB: number; peakRssMB: number;
  emulatorIdleCpuPercent: number; idleGetRecordsPerSecond: number;
}

function payload(i: number, bytes: number): Buffer {
  const head = `{"i":${i},"p":"`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length - 2)) + '"}');
}

/** The indexes of `hot` shards spread evenly over `shards`. */
const hotIndexes = (shards: number, hot: number) => Array.from({ length: hot }, (_, k) => Math.floor(k * shards / hot));

/** Puts `records` records round-robin into the hot shards of the stream. */
async function fillHot(client: KinesisClient, stream: string, o: ManyShardsOptions): Promise<void> {
  const all = await listAllShards(client, stream);
  const hot = hotIndexes(all.length, o.hot).map((k) => all[k].HashKeyRange!.StartingHashKey!);
  await putAll(client, stream, o.records, (i) => ({ Data: payload(i, o.recordBytes), PartitionKey: `k${i}`, ExplicitHashKey: hot[i % hot.length] }));
}

/** `shards` replay files, `o.fileRecords` records round-robin in the hot ones, the others empty. */
async function writeFiles(shards: number, o: ManyShardsOptions): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `kc-bench-many-files-${shards}-`));
  const hot = new Map(hotIndexes(shards, o.hot).map((k, j) => [k, j]));
  const width = String(shards - 1).length;
  for (let k = 0; k < shards; k++) {
    const j = hot.get(k);
    const lines: Buffer[] = [];
    if (j !== undefined) for (let i = j; i < o.fileRecords; i += o.hot) lines.push(payload(i, o.recordBytes), NEWLINE);
    await writeFile(join(dir, `shard-${String(k).padStart(width, '0')}.ndjson`), Buffer.concat(lines));
  }
  return dir;
}
const NEWLINE = Buffer.from('\n');

/** One stream in a fresh emulator process: created, then `body` with it. */
async function withStream<T>(shards: number, body: (s: { endpoint: string; stream: string; client: KinesisClient; createSeconds: number; servers: Servers }) => Promise<T>): Promise<T> {
  const servers = await startServers();
  const client = createKinesisClient({ region: 'us-east-1', endpoint: servers.endpoints.kinesis });
  try {
    const stream = `many-${shards}-${Date.now()}`;
    const t0 = performance.now();
    await createStream(client, stream, shards, { timeoutMs: 600_000 });
    return await body({ endpoint: servers.endpoints.kinesis, stream, client, createSeconds: (performance.now() - t0) / 1000, servers });
  } finally {
    client.destroy();
    await servers.stop();
  }
}

async function hotRun(args: string[], shards: number, o: ManyShardsOptions, kinesis: boolean): Promise<HotRun> {
  const run = await runChild<HotRun>('./many-shards-run.js', [...args, '--shards', String(shards), '--records', String(kinesis ? o.records : o.fileRecords),
    '--timeout-seconds', String(kinesis ? o.kinesisHotSeconds : 600), ...(o.extra ?? [])]);
  if (kinesis && run.completed && run.shardsWithRecords !== o.hot) throw new Error(`the records landed in ${run.shardsWithRecords} shards of ${shards}, not ${o.hot}`);
  return run;
}

/** An idle run of `script` (the pipeline's, or the plain SDK poller's), the emulator measured over the same window. */
async function idleRun(s: { endpoint: string; stream: string; servers: Servers }, o: ManyShardsOptions, script = './many-shards-run.js'): Promise<IdleRun> {
  const w = { cpu: 0, polls: 0, t: 0, percent: 0, pollsPerSecond: 0 };
  const run = await runChildLines<Omit<IdleRun, 'emulatorIdleCpuPercent' | 'idleGetRecordsPerSecond'>>(script,
    ['--stream', s.stream, '--kinesis', s.endpoint, '--shards', String(o.shards), '--idle-seconds', String(o.idleSeconds), ...(o.extra ?? [])],
    async (line) => {
      if (line.event !== 'window-start' && line.event !== 'window-end') return;
      const u = await s.servers.usage();
      const polls = u.requests.GetRecords ?? 0;
      if (line.event === 'window-start') return void Object.assign(w, { cpu: u.cpuSeconds, polls, t: performance.now() });
      const seconds = (performance.now() - w.t) / 1000;
      Object.assign(w, { percent: 100 * (u.cpuSeconds - w.cpu) / seconds, pollsPerSecond: (polls - w.polls) / seconds });
    });
  return { ...run, emulatorIdleCpuPercent: w.percent, idleGetRecordsPerSecond: w.pollsPerSecond };
}

function hotFigures(many: HotRun[], four: HotRun[]) {
  const hotRps = median(many.map((h) => h.rps));
  const fourShardRps = median(four.map((h) => h.rps));
  return {
    completed: many.every((h) => h.completed) && four.every((h) => h.completed),
    hotRps, fourShardRps, hotRpsRatio: hotRps / fourShardRps,
    hotSeconds: median(many.map((h) => h.seconds)),
    // Of runs given up: how far they got. From the first record read: without the other actors' start.
    hotRecordsRead: many.some((h) => !h.completed) ? median(many.map((h) => h.recordsRead ?? h.records)) : undefined,
    hotRpsFromFirstRead: median(many.map((h) => h.rpsFromFirstRead ?? 0)), fourShardRpsFromFirstRead: median(four.map((h) => h.rpsFromFirstRead ?? 0)),
    hotPeakRssMB: Math.max(...many.map((h) => h.peakRssMB)), fourShardPeakRssMB: Math.max(...four.map((h) => h.peakRssMB)),
    runs: { hot: many.map((h) => h.rps), four: four.map((h) => h.rps) },
  };
}

export async function manyShards(o: ManyShardsOptions) {
  const idle: IdleRun[] = [];
  const second: IdleRun[] = [];
  const sdk: IdleRun[] = [];
  const createSeconds: number[] = [];
  const k = { many: [] as HotRun[], four: [] as HotRun[] };
  const files = { many: [] as HotRun[], four: [] as HotRun[] };
  for (let r = 0; r < o.reps; r++) {
    await withStream(o.shards, async (s) => {
      createSeconds.push(s.createSeconds);
      // Each idle window opens once the idle polls' backoff has reached its maximum (3 times that
      // after every shard was read once): the default's (reader.maxIdlePollIntervalMs unset), then
      // the second run's maxIdlePollMs.
      const settle = (maxMs: number) => ['--settle-seconds', String(Math.ceil(3 * maxMs / 1000))];
      idle.push(await idleRun(s, { ...o, extra: [...(o.extra ?? []), ...settle(defaultMaxIdlePollMs(DEFAULTS.reader.pollIntervalMs, o.shards))] }));
      sdk.push(await idleRun(s, o, './idle-poll-run.js'));
      if (o.maxIdlePollMs > 0) {
        second.push(await idleRun(s, { ...o, extra: [...(o.extra ?? []), '--max-idle-poll', String(o.maxIdlePollMs), ...settle(o.maxIdlePollMs)] }));
      }
      await fillHot(s.client, s.stream, o);
      k.many.push(await hotRun(['--stream', s.stream, '--kinesis', s.endpoint], o.shards, o, true));
    });
    await withStream(o.hot, async (s) => {
      await fillHot(s.client, s.stream, o);
      k.four.push(await hotRun(['--stream', s.stream, '--kinesis', s.endpoint], o.hot, o, true));
    });
    for (const [shards, runs] of [[o.shards, files.many], [o.hot, files.four]] as const) {
      const dir = await writeFiles(shards, o);
      try {
        runs.push(await hotRun(['--stream', 'files', '--source', 'files', '--dir', dir], shards, o, false));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  const kinesis = hotFigures(k.many, k.four);
  const replay = hotFigures(files.many, files.four);
  const headline = kinesis.completed ? kinesis : replay;
  return {
    manyShards: {
      shards: o.shards, hot: o.hot, records: o.records, fileRecords: o.fileRecords, recordBytes: o.recordBytes, idleWindowSeconds: o.idleSeconds,
      createStreamSeconds: median(createSeconds),
      startSeconds: median(idle.map((i) => i.caughtUpSeconds)),
      startResolvedSeconds: median(idle.map((i) => i.startResolvedSeconds)),
      idleCpuPercent: median(idle.map((i) => i.idleCpuPercent)),
      emulatorIdleCpuPercent: median(idle.map((i) => i.emulatorIdleCpuPercent)),
      idleGetRecordsPerSecond: median(idle.map((i) => i.idleGetRecordsPerSecond)),
      // The pipeline's CPU per idle poll answered: comparable between runs whose poll rates differ.
      idleCpuUsPerPoll: median(idle.map((i) => i.idleCpuPercent * 1e4 / i.idleGetRecordsPerSecond)),
      // The same from a plain SDK loop polling every shard as the pipeline does (idle-poll-run.ts).
      sdkIdleCpuPercent: median(sdk.map((i) => i.idleCpuPercent)),
      sdkIdleGetRecordsPerSecond: median(sdk.map((i) => i.idleGetRecordsPerSecond)),
      sdkIdleCpuUsPerPoll: median(sdk.map((i) => i.idleCpuPercent * 1e4 / i.idleGetRecordsPerSecond)),
      sdkIdleRssMB: median(sdk.map((i) => i.rssMB)),
      // The default's longest idle wait for this many shards.
      defaultMaxIdlePollMs: defaultMaxIdlePollMs(DEFAULTS.reader.pollIntervalMs, o.shards),
      // With reader.maxIdlePollIntervalMs set to secondIdleMaxIdlePollMs (1,000: no backoff).
      secondIdleMaxIdlePollMs: o.maxIdlePollMs,
      secondIdleCpuPercent: second.length > 0 ? median(second.map((i) => i.idleCpuPercent)) : null,
      secondIdleGetRecordsPerSecond: second.length > 0 ? median(second.map((i) => i.idleGetRecordsPerSecond)) : null,
      secondIdleCpuUsPerPoll: second.length > 0 ? median(second.map((i) => i.idleCpuPercent * 1e4 / i.idleGetRecordsPerSecond)) : null,
      rssMB: median(idle.map((i) => i.rssMB)),
      peakRssMB: Math.max(...idle.map((i) => i.peakRssMB), headline.hotPeakRssMB),
      hotSource: kinesis.completed ? 'kinesis' : 'files',
      hotRps: headline.hotRps, fourShardRps: headline.fourShardRps, hotRpsRatio: headline.hotRpsRatio,
      kinesis, files: replay,
      runs: { idleCpuPercent: idle.map((i) => i.idleCpuPercent) },
    },
  };
}
