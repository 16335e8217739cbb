/**
 * The top-level sections of the config file, each a schema of its options with their defaults
 * (see `defaults.ts`), resolved against the config file's folder and the environment.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { LOG_LEVELS } from '../core/logger.js';
import { DEFAULTS } from './defaults.js';
import { RAW_FRAMINGS } from '../transform/raw-framing.js';
import { mustBeMessage, show } from './messages.js';
import { EVEN_WITH_BAD_OPTIONS, section, typedUnion } from './object-rules.js';
import { awsRegion, type OptionsContext } from './options-context.js';
import { flag, inFolder, integer, oneOf, says, text } from './rules.js';
import { HTTP_PROTOCOLS, REDIS_PROTOCOLS, url, urlFromEnv } from './url-rules.js';
import { deadLetterS3Section } from './dead-letter-s3-options.js';
import { resolveS3Target } from '../emitters/s3/s3-target-options.js';

/** The values of `kinesis.protocol`. */
export const KINESIS_PROTOCOLS = ['cbor', 'json'] as const;

export function kinesisSection(context: OptionsContext) {
  return section({
    /** @defaultValue $AWS_REGION, else 'us-east-1' */
    region: text().default(awsRegion(context)),
    /** A Kinesis-compatible endpoint, such as a local server. @defaultValue AWS */
    endpoint: url(HTTP_PROTOCOLS).optional(),
    /** Attempts of each Kinesis call (the SDK's retries). @defaultValue 5 */
    maxAttempts: integer().default(DEFAULTS.kinesis.maxAttempts),
    /**
     * How GetRecords is asked: "cbor" (`application/x-amz-cbor-1.1`, record data as raw bytes) or
     * "json" (the SDK's base64 in JSON). The other calls always go through the SDK. @defaultValue 'cbor'
     */
    protocol: oneOf(KINESIS_PROTOCOLS, '"cbor" or "json"').default(DEFAULTS.kinesis.protocol),
  });
}

function isStartPosition(value: string): boolean {
  return value === 'TRIM_HORIZON' || value === 'LATEST' || (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(Date.parse(value)));
}

/** Where a shard without a checkpoint starts: `TRIM_HORIZON`, `LATEST` or an ISO timestamp. */
export const startPosition = text()
  .refine(isStartPosition, says((value) => mustBeMessage('"TRIM_HORIZON", "LATEST" or an ISO timestamp', value)));

/** Checkpoint store: Redis when `redis` is set (or, when neither is, `$REDIS_URL`), else a file. */
export function checkpointSection(context: OptionsContext) {
  return section({
    /** `redis://[user:pass@]host:port[/db]`, or `rediss://` for TLS. */
    redis: url(REDIS_PROTOCOLS).optional(),
    /** The checkpoint file, relative to the config file's folder. @defaultValue './checkpoints.json' */
    file: text().optional().meta({ default: DEFAULTS.checkpoint.file }),
    /** How often checkpoints are written. @defaultValue 1000 */
    intervalMs: integer().default(DEFAULTS.checkpoint.intervalMs),
  }).superRefine(({ redis, file }, ctx) => {
    // $REDIS_URL stands in for `redis`, so it is judged where `redis` is, before the options after it.
    if (redis === undefined && file === undefined) urlFromEnv(context.env, 'REDIS_URL', REDIS_PROTOCOLS, ctx, { path: ['redis'], outranks: ['intervalMs'] });
  }, EVEN_WITH_BAD_OPTIONS).transform(({ redis, file, intervalMs }) => ({
    redis: redis ?? (file === undefined ? context.env.REDIS_URL || undefined : undefined),
    file: inFolder(context.baseDir)(file ?? DEFAULTS.checkpoint.file),
    intervalMs,
  }));
}

export function transformSection(context: OptionsContext) {
  return section({
    /** The transform module, relative to the config file's folder. @defaultValue none: records pass through */
    module: text().transform(inFolder(context.baseDir)).optional(),
    /** Pool threads. @defaultValue the number of cores */
    threads: integer(1, 256).optional(),
    /** Records per window sent to the pool until a window has been timed, and always with windowTargetMs 0. @defaultValue 500 */
    windowRecords: integer(1, 10_000).default(DEFAULTS.transform.windowRecords),
    /**
     * Windows are sized so that one takes about this long in a pool thread, from the time per record
     * of the shard's windows so far (1 to 10,000 records); 0 keeps every window at windowRecords. @defaultValue 50
     */
    windowTargetMs: integer(0, 60_000).default(DEFAULTS.transform.windowTargetMs),
    /** Windows per shard in the pool at once. @defaultValue 4 */
    windowsInFlight: integer(1, 64).default(DEFAULTS.transform.windowsInFlight),
    /** A window not transformed by then (counted from when a pool thread starts it) is bisected to the record that hangs, which is dead-lettered. @defaultValue 60000 */
    timeoutMs: integer().default(DEFAULTS.transform.timeoutMs),
    /** The module not loaded by then (a top-level await that never settles) fails the start-up. @defaultValue 30000 */
    loadTimeoutMs: integer().default(DEFAULTS.transform.loadTimeoutMs),
    /**
     * Without a module, how records become lines of the emitters that store lines (see
     * `raw-framing.ts`): "lines" (as they are, base64 with a `base64:` mark when not one UTF-8
     * line) or "base64" (every record). A transform module writes its outputs itself, so the two
     * cannot be set together; nor can it be set for an emitter that stores each record on its own
     * (see `rawFramingRule` in `schema.ts`). @defaultValue 'lines' for those emitters, else none
     */
    rawFraming: oneOf(RAW_FRAMINGS, '"lines" or "base64"').optional().meta({ default: DEFAULTS.transform.rawFraming }),
  }).superRefine(({ module, rawFraming }, ctx) => {
    if (module !== undefined && rawFraming !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rawFraming'], input: rawFraming,
        message: `applies only without transform.module (a transform module writes its outputs as it returns them), got ${show(rawFraming)}` });
    }
  }).transform(({ threads, ...rest }) => ({ ...rest, threads: threads ?? DEFAULTS.transform.threads }));
}

export const bufferSection = section({
  /** Flush when a batch holds this many records. @defaultValue 500 */
  maxRecords: integer().default(DEFAULTS.buffer.maxRecords),
  /** Flush before a batch would pass this many bytes. @defaultValue 1048576 */
  maxBytes: integer().default(DEFAULTS.buffer.maxBytes),
  /** Flush this long after a batch's first record arrived. @defaultValue 1000 */
  maxAgeMs: integer().default(DEFAULTS.buffer.maxAgeMs),
  /**
   * With an `emitter.key` template that has per-record parts: cut a batch before a record that
   * would open one partition (one object) more than this. @defaultValue 500
   */
  maxOpenPartitions: integer().default(DEFAULTS.buffer.maxOpenPartitions),
});

/** Dead letters go to files under `dir`, or to objects in S3 with `s3`; not both. */
export function deadLetterSection(context: OptionsContext) {
  return section({
    /** Folder of the dead-letter NDJSON files, relative to the config file's folder. @defaultValue './dead-letter' (when `s3` is not set) */
    dir: text().optional().meta({ default: DEFAULTS.deadLetter.dir }),
    /** Dead letters as objects in S3 instead of files: `{ bucket, prefix?, region?, endpoint?, forcePathStyle? }`. @defaultValue none */
    s3: deadLetterS3Section(context).optional(),
  }).superRefine(({ dir, s3 }, ctx) => {
    if (dir !== undefined && s3 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['s3'], input: s3,
        message: 'cannot be set together with deadLetter.dir: dead letters go to files (dir) or to S3 (s3), set one' });
    }
  }, EVEN_WITH_BAD_OPTIONS).transform(({ dir, s3 }) => (s3 === undefined
    ? { dir: inFolder(context.baseDir)(dir ?? DEFAULTS.deadLetter.dir), s3: undefined }
    : { dir: undefined, s3: resolveS3Target(s3) }));
}

export const readerSection = section({
  /** GetRecords `Limit`. @defaultValue 10000 */
  maxRecordsPerCall: integer(1, 10_000).default(DEFAULTS.reader.maxRecordsPerCall),
  /**
   * Bytes a GetRecords answer should hold at most: a shard's next `Limit` is this divided by the mean
   * size of a record (data and keys) in its last answer, within 1 .. `maxRecordsPerCall` (its first
   * call takes records to be 1 KiB). A shard holds up to two answers while it packs windows, so this bounds the reader's memory per shard; 0
   * leaves `Limit` at `maxRecordsPerCall` (answers of up to 10 MB, Kinesis' own cap).
   * @defaultValue 2097152
   */
  maxBytesPerCall: integer(0, 10 * 1024 * 1024).default(DEFAULTS.reader.maxBytesPerCall),
  /** Wait after an empty GetRecords. @defaultValue 1000 */
  pollIntervalMs: integer(0).default(DEFAULTS.reader.pollIntervalMs),
  /**
   * A shard at its tip that keeps answering empty is polled less and less often: the wait doubles
   * from `pollIntervalMs` after each empty answer, up to this, and is back to `pollIntervalMs` as
   * soon as records come. Trades the first record's latency on an idle shard for the CPU of idle
   * polls. `pollIntervalMs` turns the backoff off.
   * @defaultValue 10 ms per shard the process reads, within `pollIntervalMs` .. 30000: about 100
   * idle polls a second per process (1,000 shards back off to 10 s; up to 100 shards keep `pollIntervalMs`)
   */
  maxIdlePollIntervalMs: integer(0).optional(),
  /** Per shard: raw bytes in the pool plus batches being emitted before reading pauses. @defaultValue 33554432 */
  maxBytesInFlight: integer().default(DEFAULTS.reader.maxBytesInFlight),
  /**
   * KPL aggregates (records starting with `F3 89 9A C2`) are split into their user records, each
   * with its own partition key and the sequence number `<sequenceNumber>.<subSequenceNumber>`; a
   * corrupt one goes to the dead-letter sink. Off: every record passes as it was read.
   * @defaultValue true
   */
  deaggregate: flag().default(DEFAULTS.reader.deaggregate),
}).superRefine(({ pollIntervalMs, maxIdlePollIntervalMs }, ctx) => {
  if (maxIdlePollIntervalMs !== undefined && maxIdlePollIntervalMs < pollIntervalMs) {
    ctx.addIssue({ code: 'custom', path: ['maxIdlePollIntervalMs'], input: maxIdlePollIntervalMs,
      message: `must be >= reader.pollIntervalMs (${pollIntervalMs}), got ${maxIdlePollIntervalMs}` });
  }
});

export const shardsSection = section({
  /** How often new shards are looked for. @defaultValue 10000 */
  discoveryIntervalMs: integer().default(DEFAULTS.shards.discoveryIntervalMs),
  /** Threads hosting shard actors (reading, windows, buffers: little CPU next to the transform). @defaultValue min(shards, max(1, cores / 2)) */
  hostThreads: integer(1, 256).optional(),
});

/** This process among the workers that share the stream (with Redis checkpoints). */
export const workerSection = section({
  /** Names this worker in leases and `status`; unique among the workers. @defaultValue host name, pid and a random suffix */
  id: text().refine((id) => id.length <= 200 && !/\s/.test(id), says((value) => `must be at most 200 characters without spaces, got ${show(value)}`)).optional(),
});

/**
 * `<host>-<pid>-<6 hex digits>`: unique even for two processes that get the same pid in containers.
 * Drawn by each Pipeline (the resolved config stays a pure function of the options).
 */
export function defaultWorkerId(): string {
  return `${hostname().replace(/\s/g, '_')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Shard leases (with Redis checkpoints): how several workers share a stream. */
export const leaseSection = section({
  /** A lease not renewed for this long may be taken by another worker. @defaultValue 10000 */
  durationMs: integer(100).default(DEFAULTS.lease.durationMs),
  /** How often a worker renews its leases and balances, in one round trip. @defaultValue a third of `durationMs` */
  renewIntervalMs: integer().optional(),
  /** Leases a worker below its share takes from the most loaded worker per round. @defaultValue 1 */
  maxStealsPerInterval: integer(0, 1000).default(DEFAULTS.lease.maxStealsPerInterval),
}).superRefine(({ durationMs, renewIntervalMs }, ctx) => {
  if (renewIntervalMs !== undefined && renewIntervalMs >= durationMs) {
    ctx.addIssue({ code: 'custom', path: ['renewIntervalMs'], input: renewIntervalMs,
      message: `must be < lease.durationMs (${durationMs}), got ${renewIntervalMs}` });
  }
}).transform(({ renewIntervalMs, ...rest }) => ({ ...rest, renewIntervalMs: renewIntervalMs ?? Math.max(1, Math.floor(rest.durationMs / 3)) }));

export const restartSection = section({
  /** Backoff of actor restarts: first delay. @defaultValue 500 */
  baseMs: integer().default(DEFAULTS.restart.baseMs),
  /** Backoff of actor restarts: longest delay, at least `baseMs`. @defaultValue 30000 */
  maxMs: integer().default(DEFAULTS.restart.maxMs),
  /** Restart budget per window. @defaultValue 10 */
  maxRestarts: integer().default(DEFAULTS.restart.maxRestarts),
  /** @defaultValue 60000 */
  windowMs: integer().default(DEFAULTS.restart.windowMs),
  /** Delay of restarts once the budget is spent. @defaultValue 60000 */
  slowRetryMs: integer().default(DEFAULTS.restart.slowRetryMs),
}).superRefine(({ baseMs, maxMs }, ctx) => {
  if (maxMs < baseMs) ctx.addIssue({ code: 'custom', path: ['maxMs'], message: `must be >= restart.baseMs (${baseMs}), got ${maxMs}`, input: maxMs });
});

/** Where records come from: Kinesis, or NDJSON files replayed one per shard (`<dir>/<shardId>.ndjson`). */
export function sourceSection(context: OptionsContext) {
  return typedUnion([
    section({ type: z.literal('kinesis') }),
    section({ type: z.literal('files'), dir: text().transform(inFolder(context.baseDir)) }),
  ], (value) => mustBeMessage('"kinesis" or "files"', value));
}

/** The built-in logger's level. */
export const logLevel = oneOf(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`);

/** The metrics, health and status endpoints (see `src/http/`). Off unless `port` is set. */
export const httpSection = section({
  /** Port of the endpoints; 0 takes a free one (see `pipeline.httpUrl`). @defaultValue none: no server */
  port: integer(0, 65535).optional(),
  /** Address the endpoints listen on. @defaultValue '127.0.0.1' */
  host: text().default(DEFAULTS.http.host),
  /** `/readyz` fails while a shard has been failing, without storing anything, for longer than this. @defaultValue 60000 */
  unreadyAfterMs: integer().default(DEFAULTS.http.unreadyAfterMs),
  /** `/readyz` fails when the checkpoint store has not answered for this long. @defaultValue 30000 */
  checkpointStaleMs: integer(100).default(DEFAULTS.http.checkpointStaleMs),
});
