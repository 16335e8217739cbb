// In-process fakes for a ShardActor's dependencies, so its ordering, backpressure, drain and
// failure rules can be specified without threads, emulators or sleeps. Every fake records what it
// was asked and lets the test decide when (and how) each call finishes.
import type { DeadLetterEntry } from '../../src/actors/dead-letter-sink.js';
import { ShardActor } from '../../src/actors/shard-actor.js';
import { sequenceNumbers, type Batch } from '../../src/core/batch.js';
import type { Logger } from '../../src/core/logger.js';
import type { RecordWindow, SourceRecord, StartAt, TransformResult } from '../../src/core/records.js';
import type { ResolvedConfig } from '../../src/config/config.js';
import type { ReadResult, ShardReader } from '../../src/sources/shard-source.js';
import type { ProgressEvent } from '../../src/threads/protocol.js';
import { TransformRunner } from '../../src/transform/transform-runner.js';

export const SHARD_ID = 'shardId-000000000003';

// ---------------------------------------------------------------------------------------------
// Promises the test settles

export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  let settled = false;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return {
    promise,
    get settled() { return settled; },
    resolve(v) { settled = true; resolve(v); },
    reject(e) { settled = true; reject(e); },
  };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** Lets every callback that is already runnable run (a few turns of the event loop; no timers). */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

/** Waits turn by turn until `condition` holds; throws naming `what` if it never does. */
export async function until(condition: () => boolean, what: string, maxTurns = 5000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await turn();
  }
  throw new Error(`gave up waiting until ${what}`);
}

/** Tracks whether a promise has settled, and how. */
export function track<T>(promise: Promise<T>): { readonly done: boolean; readonly error: unknown; readonly promise: Promise<T> } {
  const state = { done: false, error: undefined as unknown };
  promise.then(() => { state.done = true; }, (err) => { state.done = true; state.error = err; });
  return { get done() { return state.done; }, get error() { return state.error; }, promise };
}

// ---------------------------------------------------------------------------------------------
// Records of one shard

const SEQ_BASE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/** The sequence number of the shard's record `i` (realistic 56-digit numbers, increasing). */
export function seq(i: number): string {
  return String(SEQ_BASE + BigInt(i) * 100n);
}

/**
 * Records `from .. from+n-1` of the shard: data is the JSON `{"n":i}` (plus `extra(i)`'s fields),
 * partition key `pk-i`.
 */
export function shardRecords(from: number, n: number, extra: (i: number) => object = () => ({})): SourceRecord[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { data: Buffer.from(JSON.stringify({ n: i, ...extra(i) })), sequenceNumber: seq(i), partitionKey: `pk-${i}`, arrival: 1_700_000_000_000 + i };
  });
}

export function response(records: SourceRecord[], ended = false): ReadResult {
  return { records, millisBehindLatest: 0, ended };
}

// ---------------------------------------------------------------------------------------------
// Source

type Step = ReadResult | Deferred<ReadResult>;

/**
 * Serves scripted read results in order. Once the script is used up, a read waits (as a long poll
 * would) until the actor aborts it, then answers with an empty response.
 */
export class ScriptedSource {
  private readonly script: Step[];
  /** Calls to `read`, in all. */
  reads = 0;
  /** When each call to `read` was made (ms since the epoch). */
  readAt: number[] = [];
  opened: Array<{ shardId: string; startAt: StartAt }> = [];
  closed = false;

  constructor(script: Step[] = []) {
    this.script = [...script];
  }

  /** Appends more results to the script. */
  push(...steps: Step[]): void {
    this.script.push(...steps);
  }

  openReader(shardId: string, startAt: StartAt): ShardReader {
    this.opened.push({ shardId, startAt });
    return {
      read: (signal?: AbortSignal) => {
        this.reads++;
        this.readAt.push(Date.now());
        const step = this.script.shift();
        if (step === undefined) return waitForAbort(signal);
        return 'promise' in step ? step.promise : Promise.resolve(step);
      },
      close: async () => { this.closed = true; },
    };
  }
}

function waitForAbort(signal: AbortSignal | undefined): Promise<ReadResult> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(response([]));
    signal?.addEventListener('abort', () => resolve(response([])), { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Transform

export interface TransformCall {
  window: RecordWindow;
  /** Sequence numbers of the window's records. */
  seqs: string[];
  /** Answers with the real transform's result. */
  release(): void;
  /** Answers with a rejection (as a pool thread that died or timed out would). */
  fail(err: Error): void;
  readonly answered: boolean;
}

/**
 * Runs the real TransformRunner over each window (identity unless a module is given) and, when
 * `held`, answers only when the test calls `release()` or `fail()` on the call, in any order.
 */
export class ControlledTransform {
  readonly calls: TransformCall[] = [];
  /** The most calls ever unanswered at once. */
  maxPending = 0;

  private constructor(private readonly runner: TransformRunner, private readonly held: boolean, private readonly runMsPerRecord?: number) {}

  /**
   * `module`: a transform module file (see test/fixtures), or undefined for the identity.
   * `runMsPerRecord`: each result says its window took that long a record in a pool thread (`runMs`).
   */
  static async create(options: { held?: boolean; module?: string; runMsPerRecord?: number } = {}): Promise<ControlledTransform> {
    return new ControlledTransform(await TransformRunner.load(options.module), options.held ?? false, options.runMsPerRecord);
  }

  /** Calls not yet answered. */
  get pending(): TransformCall[] {
    return this.calls.filter((c) => !c.answered);
  }

  run = (window: RecordWindow): Promise<TransformResult> => {
    const answer = deferred<TransformResult>();
    const keys = Buffer.from(window.keys);
    const seqs = Array.from({ length: window.offsets.length - 1 },
      (_, i) => keys.toString('latin1', window.keyOffsets[2 * i], window.keyOffsets[2 * i + 1]));
    const perRecord = this.runMsPerRecord;
    const result = this.runner.run(window).then((r) => (perRecord === undefined ? r : { ...r, runMs: perRecord * (window.offsets.length - 1) }));
    const call: TransformCall = {
      window, seqs,
      release: () => { if (!answer.settled) result.then((r) => answer.resolve(r), (e: Error) => answer.reject(e)); },
      fail: (err) => { if (!answer.settled) answer.reject(err); },
      get answered() { return answer.settled; },
    };
    this.calls.push(call);
    this.maxPending = Math.max(this.maxPending, this.pending.length);
    if (!this.held) call.release();
    return answer.promise;
  };
}

/** A transform module file from test/fixtures (compiled next to this helper). */
export function fixtureModule(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}

// ---------------------------------------------------------------------------------------------
// Emitter

export interface EmitCall {
  batch: Batch;
  /** The batch's record lines (without "\n") and sequence numbers, decoded when it was received. */
  lines: string[];
  seqs: string[];
  store(): void;
  refuse(err: Error): void;
  readonly answered: boolean;
}

/** Records every batch it receives; when `held`, each emit finishes only when the test says so. */
export class ControlledEmitter {
  readonly calls: EmitCall[] = [];

  constructor(private readonly held = false) {}

  emit = (batch: Batch): Promise<{ location: string }> => {
    const answer = deferred<{ location: string }>();
    const text = Buffer.from(batch.data).toString('utf8');
    const lines = Array.from({ length: batch.count }, (_, i) => text.slice(batch.offsets[i], batch.offsets[i + 1] - 1));
    const call: EmitCall = {
      batch, lines, seqs: sequenceNumbers(batch),
      store: () => { if (!answer.settled) answer.resolve({ location: `memory://${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}` }); },
      refuse: (err) => { if (!answer.settled) answer.reject(err); },
      get answered() { return answer.settled; },
    };
    this.calls.push(call);
    if (!this.held) call.store();
    return answer.promise;
  };

  /** Every record line received, in the order the batches arrived. */
  get lines(): string[] {
    return this.calls.flatMap((c) => c.lines);
  }

  get seqs(): string[] {
    return this.calls.flatMap((c) => c.seqs);
  }
}

// ---------------------------------------------------------------------------------------------
// Dead-letter sink and logger

export class MemoryDeadLetter {
  readonly entries: DeadLetterEntry[] = [];
  /** Batches the emitter had received when each write happened. */
  readonly emitsBeforeWrite: number[] = [];

  constructor(private readonly emitter?: ControlledEmitter) {}

  async write(_shardId: string, entries: DeadLetterEntry[]): Promise<void> {
    this.emitsBeforeWrite.push(this.emitter?.calls.length ?? 0);
    this.entries.push(...entries);
  }

  location(shardId: string): string {
    return `memory:dead-letter/${shardId}`;
  }
}

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg?: string;
}

export function capturingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: LoggedLine['level']) => (fields: object, msg?: string) => { lines.push({ level, fields: fields as Record<string, unknown>, msg }); };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// ---------------------------------------------------------------------------------------------
// An actor wired to the fakes

export type ActorConfig = Pick<ResolvedConfig, 'buffer' | 'reader' | 'transform'>;

export interface ConfigOverrides {
  buffer?: Partial<ActorConfig['buffer']>;
  reader?: Partial<ActorConfig['reader']>;
  transform?: Partial<ActorConfig['transform']>;
}

/** Limits that never get in the way unless a test lowers them (the age flush is effectively off). */
export function actorConfig(overrides: ConfigOverrides = {}): ActorConfig {
  return {
    buffer: { maxRecords: 1000, maxBytes: 1 << 20, maxAgeMs: 600_000, maxOpenPartitions: 500, ...overrides.buffer },
    reader: { maxRecordsPerCall: 10_000, maxBytesPerCall: 0, pollIntervalMs: 5, maxIdlePollIntervalMs: 5, maxBytesInFlight: 1 << 30, deaggregate: true, ...overrides.reader },
    transform: { threads: 1, windowRecords: 100, windowTargetMs: 50, windowsInFlight: 4, timeoutMs: 60_000, loadTimeoutMs: 30_000, rawFraming: 'lines', ...overrides.transform },
  };
}

export interface ActorUnderTest {
  actor: ShardActor;
  source: ScriptedSource;
  transform: ControlledTransform;
  emitter: ControlledEmitter;
  deadLetter: MemoryDeadLetter;
  logger: ReturnType<typeof capturingLogger>;
  progress: ProgressEvent[];
  /** run(), tracked: `done` once it resolved or rejected, `error` when it rejected. */
  run: ReturnType<typeof track<void>>;
  /** Positions of the progress events, in order. */
  positions(): Array<string | null>;
}

export interface ActorSetup extends ConfigOverrides {
  script?: Step[];
  holdTransforms?: boolean;
  holdEmits?: boolean;
  transformModule?: string;
  /** See ControlledTransform.create. */
  runMsPerRecord?: number;
  startAt?: StartAt;
  /** What the actor is told of the process's shard count (the default idle backoff). */
  shardsInProcess?: number;
}

/**
 * Starts a ShardActor over the fakes. Registers a teardown that kills it, so a test that leaves
 * calls unanswered still ends (a kill does not wait for them), and gives the test 5 s: a spec
 * that breaks by waiting forever fails quickly.
 */
export async function startActor(t: { teardown(fn: () => void): void; timeout(ms: number): void }, setup: ActorSetup = {}): Promise<ActorUnderTest> {
  t.timeout(5000);
  const source = new ScriptedSource(setup.script);
  const transform = await ControlledTransform.create({ held: setup.holdTransforms, module: setup.transformModule, runMsPerRecord: setup.runMsPerRecord });
  const emitter = new ControlledEmitter(setup.holdEmits);
  const deadLetter = new MemoryDeadLetter(emitter);
  const logger = capturingLogger();
  const progress: ProgressEvent[] = [];
  const actor = new ShardActor({
    shardId: SHARD_ID, generation: 7, startAt: setup.startAt ?? { type: 'TRIM_HORIZON' },
    config: actorConfig(setup), source, transform, emitter, deadLetter, report: (e) => progress.push(e), logger,
    ...(setup.shardsInProcess === undefined ? {} : { shardsInProcess: () => setup.shardsInProcess! }),
  });
  const run = track(actor.run());
  t.teardown(() => actor.kill(new Error('the test is over')));
  return { actor, source, transform, emitter, deadLetter, logger, progress, run, positions: () => progress.map((p) => p.position) };
}
