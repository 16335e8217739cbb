// Several workers sharing one stream, each a separate OS process running the CLI: their log lines
// with arrival times, signals, a Redis reader for leases, workers and checkpoints, a steady load
// producer and the end-of-test verifier (every record stored, every checkpoint at the tail).
import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import type { PipelineOptions } from '../../src/config/config.js';
import { countIds, produce, readRecords, REDIS_URL, waitFor, type Env, type Produced } from './components.js';
import { testOptions } from './pipeline-options.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;

/**
 * One stderr line of a worker, with when the test received it. A JSON log line gives its level's
 * label (`info`…), its time (ISO, as the worker wrote it), msg and the other fields, each as a string (a string as it is, anything else as
 * JSON: `3`, `true`); any other line (a `kinesis-connectors: …` line) has level and time '' and its text as msg.
 */
export interface LogLine {
  at: number;
  text: string;
  level: string;
  time: string;
  msg: string;
  fields: Record<string, string>;
}

export function parseLine(text: string, at = Date.now()): LogLine {
  let parsed: unknown;
  try {
    parsed = text.startsWith('{') ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return { at, text, level: '', time: '', msg: text, fields: {} };
  const { level: _level, levelName, time, pid: _pid, hostname: _hostname, msg, ...rest } = parsed as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) fields[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { at, text, level: str(levelName), time: str(time), msg: str(msg), fields };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export class WorkerProcess {
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<() => void>();

  constructor(readonly id: string, configFile: string, logLevel = 'debug') {
    this.child = spawn(process.execPath, [CLI, 'run', configFile, '--log-level', logLevel, '--log-format', 'json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let partial = '';
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => {
      const at = Date.now();
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const text of parts) this.lines.push(parseLine(text, at));
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        resolve(this.exit);
        for (const w of this.waiters) w();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Sends a signal; returns when it was sent. */
  signal(signal: 'SIGTERM' | 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): number {
    this.child.kill(signal);
    return Date.now();
  }

  /** Lines matching `pred`, optionally only those received from `since`. */
  find(pred: (l: LogLine) => boolean, since = 0): LogLine[] {
    return this.lines.filter((l) => l.at >= since && pred(l));
  }

  /** Resolves with the first line (received from `since`) matching `pred`. */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs: number, what: string, since = 0): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.lines.find((l) => l.at >= since && pred(l));
        if (line) {
          done();
          resolve(line);
          return true;
        }
        if (this.exit) {
          done();
          reject(new Error(`worker ${this.id} exited (${JSON.stringify(this.exit)}) before ${what}\n${this.tail()}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} from ${this.id}\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(listener);
      };
      const listener = () => void check();
      if (!check()) this.waiters.add(listener);
    });
  }

  /** SIGTERM and wait for the exit. */
  async stop(timeoutMs = 30_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  async waitForExit(timeoutMs: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker ${this.id} did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills it for good (teardown): SIGCONT first in case it is stopped. */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await this.exited;
  }

  tail(n = 30): string {
    return this.lines.slice(-n).map((l) => `  [${this.id}] ${l.text}`).join('\n');
  }
}

/** A worker's warnings and errors (the last 40) and its last 40 lines of info and above. */
export function failureReport(w: WorkerProcess): string {
  const loud = w.lines.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === 'fatal').slice(-40);
  const info = w.lines.filter((l) => l.level !== 'debug').slice(-40);
  const show = (ls: LogLine[]) => ls.map((l) => `  [${w.id}] ${l.text}`).join('\n');
  return `worker ${w.id} (${w.exit ? `exited ${JSON.stringify(w.exit)}` : 'running'}): ${loud.length} warnings/errors\n${show(loud)}\n` +
    `last lines of info and above:\n${show(info)}`;
}

export const isMsg = (msg: string, shardId?: string) => (l: LogLine): boolean =>
  l.msg.startsWith(msg) && (shardId === undefined || l.fields.shardId === shardId);

/** Leases, workers, checkpoints of one stream, in one app. */
export interface Fleet {
  env: Env;
  app: string;
  stream: string;
  dir: string;
  workers: WorkerProcess[];
  redis: Redis;
  options: (workerId: string) => PipelineOptions;
  start(workerId: string): Promise<WorkerProcess>;
}

export interface LeaseRead {
  owner: string | null;
  token: number;
  expires: number;
}

export interface Snapshot {
  /** Redis' clock, ms. */
  now: number;
  leases: Map<string, LeaseRead>;
  /** Live workers (heartbeat not expired). */
  workers: string[];
  checkpoints: Map<string, string | null>;
}

export interface FleetOptions {
  lease: { durationMs: number; renewIntervalMs: number; maxStealsPerInterval?: number };
  checkpointIntervalMs?: number;
  extra?: Partial<PipelineOptions>;
}

/** A fleet of worker processes on one stream; every process is killed and Redis closed at teardown. */
export async function fleet(t: ExecutionContext, env: Env, app: string, stream: string, o: FleetOptions): Promise<Fleet> {
  const dir = join(env.tmp, 'workers', stream);
  await mkdir(dir, { recursive: true });
  const redis = new Redis(REDIS_URL);
  const workers: WorkerProcess[] = [];
  const options = (workerId: string): PipelineOptions => testOptions(env, app, stream, {
    worker: { id: workerId },
    lease: { maxStealsPerInterval: 1, ...o.lease },
    checkpoint: { redis: REDIS_URL, intervalMs: o.checkpointIntervalMs ?? 200 },
    transform: { threads: 1, windowRecords: 250 },
    shards: { discoveryIntervalMs: 300, hostThreads: 1 },
    deadLetter: { dir: join(dir, 'dead-letter') },
    ...o.extra,
  });
  t.teardown(async () => {
    if (process.env.KC_TEST_LOG) for (const w of workers) t.log(w.tail(10_000));
    // A failed test shows what each worker said, so a failure seen once (under load, in CI) can be read afterwards.
    else if (!t.passed) for (const w of workers) t.log(failureReport(w));
    await Promise.all(workers.map((w) => w.kill()));
    redis.disconnect();
  });
  return {
    env, app, stream, dir, workers, redis, options,
    async start(workerId: string) {
      const file = join(dir, `${workerId}.json`);
      await writeFile(file, JSON.stringify(options(workerId), null, 2));
      const w = new WorkerProcess(workerId, file);
      workers.push(w);
      return w;
    },
  };
}

export interface ListedShard {
  shardId: string;
  parent?: string;
  closed: boolean;
  hashKeys: [bigint, bigint];
}

export async function listShards(env: Env, stream: string): Promise<ListedShard[]> {
  const shards = (await env.kinesisClient.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  return shards.map((s) => ({
    shardId: s.ShardId!, parent: s.ParentShardId, closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
    hashKeys: [BigInt(s.HashKeyRange!.StartingHashKey!), BigInt(s.HashKeyRange!.EndingHashKey!)],
  }));
}

/** `n` ids `<prefix>-<k>` whose partition key (the id) hashes into the shard's range (MD5, as Kinesis does). */
export function idsForShard(shard: ListedShard, prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let k = 0; out.length < n; k++) {
    const id = `${prefix}-${k}`;
    const hash = BigInt(`0x${createHash('md5').update(id).digest('hex')}`);
    if (hash >= shard.hashKeys[0] && hash <= shard.hashKeys[1]) out.push(id);
  }
  return out;
}

/** One atomic read (MULTI) of the leases and checkpoints of `shardIds` and the live workers. */
export async function snapshot(f: Fleet, shardIds: readonly string[]): Promise<Snapshot> {
  const { app, stream } = f;
  const multi = f.redis.multi().time().zrangebyscore(`${app}:workers:${stream}`, '-inf', '+inf', 'WITHSCORES');
  for (const id of shardIds) multi.hgetall(`${app}:lease:${stream}:${id}`).get(`${app}:checkpoint:${stream}:${id}`);
  const replies = await multi.exec();
  if (!replies) throw new Error('MULTI discarded');
  for (const [err] of replies) if (err) throw err;
  const [sec, micro] = replies[0][1] as [string, string];
  const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
  const zs = replies[1][1] as string[];
  const workers: string[] = [];
  for (let i = 0; i < zs.length; i += 2) if (Number(zs[i + 1]) > now) workers.push(zs[i]);
  const leases = new Map<string, LeaseRead>();
  const checkpoints = new Map<string, string | null>();
  shardIds.forEach((id, i) => {
    const h = replies[2 + 2 * i][1] as Record<string, string>;
    leases.set(id, { owner: h.owner ? h.owner : null, token: Number(h.token ?? 0), expires: Number(h.expires ?? 0) });
    checkpoints.set(id, replies[3 + 2 * i][1] as string | null);
  });
  return { now, leases, workers, checkpoints };
}

/** The live owner of each shard (undefined when free or expired). */
export function owners(s: Snapshot): Map<string, string | undefined> {
  return new Map([...s.leases].map(([id, l]) => [id, l.owner !== null && l.expires > s.now ? l.owner : undefined]));
}

/** How many shards each live owner holds. */
export function loads(s: Snapshot): Map<string, number> {
  const m = new Map<string, number>();
  for (const o of owners(s).values()) if (o !== undefined) m.set(o, (m.get(o) ?? 0) + 1);
  return m;
}

/** True when every shard has a live owner and each of `workerIds` holds between min and max. */
export function balanced(s: Snapshot, workerIds: readonly string[], min: number, max: number): boolean {
  if ([...owners(s).values()].some((o) => o === undefined)) return false;
  const l = loads(s);
  return [...l.keys()].every((w) => workerIds.includes(w)) && workerIds.every((w) => (l.get(w) ?? 0) >= min && (l.get(w) ?? 0) <= max);
}

/**
 * Polls snapshots every `everyMs` until stopped: keeps each shard's owner changes and checks that
 * no checkpoint ever moves backwards (numerically, via BigInt; SHARD_END last).
 */
export class Monitor {
  readonly regressions: string[] = [];
  readonly ownerChanges: Array<{ at: number; shardId: string; from: string | undefined; to: string | undefined }> = [];
  readonly last = new Map<string, string>();
  latest: Snapshot | undefined;
  samples = 0;
  private owner = new Map<string, string | undefined>();
  private stopped = false;
  private readonly loop: Promise<void>;
  private error: Error | undefined;

  constructor(private readonly f: Fleet, private shardIds: () => readonly string[], everyMs = 100,
    private readonly onSnapshot?: (s: Snapshot) => void) {
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          this.take(await snapshot(this.f, this.shardIds()));
        } catch (err) {
          this.error = err instanceof Error ? err : new Error(String(err));
          return;
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }

  private take(s: Snapshot): void {
    this.samples++;
    this.latest = s;
    for (const [id, value] of s.checkpoints) {
      const prev = this.last.get(id);
      if (value === null) {
        if (prev !== undefined) this.regressions.push(`${id}: ${prev} -> (deleted)`);
        continue;
      }
      if (prev !== undefined && rank(value) < rank(prev)) this.regressions.push(`${id}: ${prev} -> ${value}`);
      this.last.set(id, value);
    }
    for (const [id, o] of owners(s)) {
      // Only live owners count: an expiry between two owners is not a move of its own.
      if (o === undefined) continue;
      const prev = this.owner.get(id);
      if (prev !== o) this.ownerChanges.push({ at: Date.now(), shardId: id, from: prev, to: o });
      this.owner.set(id, o);
    }
    this.onSnapshot?.(s);
  }

  /** Resolves with the first snapshot. */
  async ready(): Promise<Snapshot> {
    await waitFor(() => this.latest !== undefined || this.error !== undefined, 10_000, 'a first snapshot');
    if (this.error) throw this.error;
    return this.latest!;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.error) throw this.error;
  }
}

function rank(value: string): bigint {
  return value === 'SHARD_END' ? 1n << 1024n : BigInt(value);
}

/** Puts `batch` records every `everyMs` until stopped, ids `<prefix>-<n>`. */
export class Load {
  readonly produced: Produced = { lastSeq: new Map(), shardOf: new Map() };
  readonly ids: string[] = [];
  /** Puts that threw and were sent again. */
  readonly errors: string[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(env: Env, stream: string, prefix: string, batch = 50, everyMs = 100) {
    this.loop = (async () => {
      for (let n = 0; !this.stopped; n++) {
        const started = Date.now();
        const next = Array.from({ length: batch }, (_, i) => `${prefix}-${n * batch + i}`);
        // A put that throws (the emulator busy) is sent again: ids may repeat, none is left out.
        for (let attempt = 1; ; attempt++) {
          try {
            await produce(env.kinesisClient, stream, next, () => ({}), this.produced);
            break;
          } catch (err) {
            this.errors.push(String(err));
            if (attempt >= 5) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        this.ids.push(...next);
        await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - started))));
      }
    })();
  }

  /** Stops producing; resolves once the last put is answered. */
  async stop(): Promise<Produced> {
    this.stopped = true;
    await this.loop;
    return this.produced;
  }
}

export interface Verdict {
  produced: number;
  missing: string[];
  duplicates: number;
  /** Shards whose checkpoint is not their last produced sequence number: shardId -> [checkpoint, last]. */
  behind: Map<string, [string | null, string]>;
}

/**
 * Waits (up to `timeoutMs`) until every shard's checkpoint is its last produced sequence number,
 * then reads S3: every id must be there at least once (duplicates are counted, not failures).
 */
export async function verify(f: Fleet, ids: readonly string[], produced: Produced, timeoutMs = 60_000): Promise<Verdict> {
  const behind = async () => {
    const m = new Map<string, [string | null, string]>();
    for (const [shardId, last] of produced.lastSeq) {
      const cp = await f.redis.get(`${f.app}:checkpoint:${f.stream}:${shardId}`);
      if (cp !== last && cp !== 'SHARD_END') m.set(shardId, [cp, last]);
    }
    return m;
  };
  await waitFor(async () => (await behind()).size === 0, timeoutMs, 'checkpoints at the last produced sequence numbers').catch(() => undefined);
  const counts = countIds(await readRecords(f.env.s3Client, f.env.bucket, `${f.stream}/`));
  const missing = ids.filter((id) => !counts.has(id));
  const duplicates = [...counts.values()].reduce((sum, c) => sum + c - 1, 0);
  return { produced: ids.length, missing, duplicates, behind: await behind() };
}

/** Waits for the 'pipeline started' line of every worker. */
export async function allStarted(workers: readonly WorkerProcess[], timeoutMs = 60_000): Promise<void> {
  await Promise.all(workers.map((w) => w.waitForLine(isMsg('pipeline started'), timeoutMs, 'pipeline started')));
}

/** Dumps the tail of every worker's log (for failure messages). */
export function tails(workers: readonly WorkerProcess[], n = 15): string {
  return workers.map((w) => w.tail(n)).join('\n');
}

/** Every error (and fatal) log line of the workers, prefixed with the worker's id. */
export function errorLines(workers: readonly WorkerProcess[]): string[] {
  return workers.flatMap((w) => w.find((l) => l.level === 'error' || l.level === 'fatal').map((l) => `[${w.id}] ${l.text}`));
}
