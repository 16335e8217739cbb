/**
 * Pipeline configuration: the typed options, their defaults and the up-front validation. Every
 * validation message names the option's path and the value it got.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { STREAM_NAME_RULE, isStreamName } from '../aws/stream-name.js';
import { ConfigError, showValue as show } from '../core/errors.js';
import { LOG_LEVELS, type LogLevel } from '../core/logger.js';

export type StartPosition = 'TRIM_HORIZON' | 'LATEST' | string;

/** Where an emitter puts objects in S3 (`s3`, `s3-manifest`, and the staging area of `redshift*`). */
export interface S3TargetConfig {
  bucket: string;
  /** @defaultValue '' */
  prefix?: string;
  /** @defaultValue false */
  gzip?: boolean;
  region?: string;
  endpoint?: string;
  /** @defaultValue false (true when `endpoint` is set) */
  forcePathStyle?: boolean;
}

export interface S3EmitterConfig extends S3TargetConfig {
  type: 's3';
}

/** First stage of the manifest pipeline: S3 upload, then the object's URL onto `manifestStream`. */
export interface S3ManifestEmitterConfig extends S3TargetConfig {
  type: 's3-manifest';
  /** Kinesis stream the `s3://` URLs go to (same region and endpoint as `kinesis`). */
  manifestStream: string;
}

/** Redshift COPY authorization: an IAM role (preferred) or access keys. */
export interface RedshiftAuthConfig {
  iamRole?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** `"json-auto"` (JSON 'auto'), `{ "jsonPaths": "s3://…" }` or `{ "delimiter": "|" }`. */
export type RedshiftFormatConfig = 'json-auto' | { jsonPaths: string } | { delimiter: string };

export interface RedshiftEmitterConfig extends S3TargetConfig, RedshiftAuthConfig {
  type: 'redshift';
  /** `postgres://user:pass@cluster:5439/db`. @defaultValue $REDSHIFT_URL */
  url?: string;
  table: string;
  columns?: string[];
  /** @defaultValue 'json-auto' */
  format?: RedshiftFormatConfig;
  /** When set, each S3 file is recorded here in the COPY's transaction and never loaded twice. */
  fileTable?: string;
}

/** Second stage of the manifest pipeline: its input records are `s3://` URLs. */
export interface RedshiftManifestEmitterConfig extends S3TargetConfig, RedshiftAuthConfig {
  type: 'redshift-manifest';
  url?: string;
  dataTable: string;
  fileTable: string;
  columns?: string[];
  format?: RedshiftFormatConfig;
}

export interface KinesisEmitterConfig {
  type: 'kinesis';
  stream: string;
  region?: string;
  endpoint?: string;
  /** @defaultValue 'sequence' */
  partitionKey?: 'sequence' | 'source-shard';
}

export interface PostgresEmitterConfig {
  type: 'postgres';
  /** @defaultValue $DATABASE_URL */
  url?: string;
  table: string;
  /** Target column → JSON field (dotted paths allowed) of each record. Absent: the whole record in `data`. */
  columns?: Record<string, string>;
}

export interface FileEmitterConfig {
  type: 'file';
  /** Directory the batches are written under. @defaultValue './output' */
  dir?: string;
  /** @defaultValue '' */
  prefix?: string;
  /** @defaultValue false */
  gzip?: boolean;
}

/** Discards every batch after counting it: for measuring the pipeline itself. */
export interface DiscardEmitterConfig {
  type: 'discard';
}

export type EmitterConfig = S3EmitterConfig | S3ManifestEmitterConfig | RedshiftEmitterConfig | RedshiftManifestEmitterConfig |
  KinesisEmitterConfig | PostgresEmitterConfig | FileEmitterConfig | DiscardEmitterConfig;

type ResolvedS3Target = Required<Omit<S3TargetConfig, 'endpoint'>> & { endpoint?: string };
type ResolvedAuth = { iamRole: string } | { accessKeyId: string; secretAccessKey: string };
/** Emitter options after validation. */
export type ResolvedEmitterConfig = { threads: number } & (
  | ({ type: 's3' } & ResolvedS3Target)
  | ({ type: 's3-manifest'; manifestStream: string } & ResolvedS3Target)
  | ({ type: 'redshift'; url: string; table: string; columns?: string[]; format: RedshiftFormatConfig; fileTable?: string; auth: ResolvedAuth } & ResolvedS3Target)
  | ({ type: 'redshift-manifest'; url: string; dataTable: string; fileTable: string; columns?: string[]; format: RedshiftFormatConfig; auth: ResolvedAuth } & ResolvedS3Target)
  | { type: 'kinesis'; stream: string; region: string; endpoint?: string; partitionKey: 'sequence' | 'source-shard' }
  | { type: 'postgres'; url: string; table: string; columns?: Record<string, string> }
  | { type: 'file'; dir: string; prefix: string; gzip: boolean }
  | { type: 'discard' });

export interface KinesisSourceConfig {
  type: 'kinesis';
}

/** Replays NDJSON or line files, one per shard (`<dir>/<shardId>.ndjson`), read a chunk at a time. */
export interface FileSourceConfig {
  type: 'files';
  dir: string;
}

export type SourceConfig = KinesisSourceConfig | FileSourceConfig;

/** What a user writes (JSON file, JS module or object passed to `new Pipeline`). */
export interface PipelineOptions {
  /** Application name: the first part of every checkpoint key. */
  app: string;
  /** Kinesis stream name. */
  stream: string;
  kinesis?: { region?: string; endpoint?: string; maxAttempts?: number };
  /** Where a shard without a checkpoint starts. @defaultValue 'TRIM_HORIZON' */
  startPosition?: StartPosition;
  /** Checkpoint store: Redis when `redis` is set (or `REDIS_URL` is), else a file. */
  checkpoint?: { redis?: string; file?: string; intervalMs?: number };
  transform?: { module?: string; threads?: number; windowRecords?: number; windowsInFlight?: number; timeoutMs?: number };
  buffer?: { maxRecords?: number; maxBytes?: number; maxAgeMs?: number };
  emitter?: EmitterConfig & { threads?: number };
  deadLetter?: { dir?: string };
  reader?: { maxRecordsPerCall?: number; pollIntervalMs?: number; maxBytesInFlight?: number };
  shards?: { discoveryIntervalMs?: number; hostThreads?: number };
  restart?: { baseMs?: number; maxMs?: number; maxRestarts?: number; windowMs?: number; slowRetryMs?: number };
  source?: SourceConfig;
  shutdownTimeoutMs?: number;
  logLevel?: LogLevel;
}

/** The configuration after defaults and validation: every field present, every path absolute. */
export interface ResolvedConfig {
  app: string;
  stream: string;
  kinesis: { region: string; endpoint?: string; maxAttempts: number };
  startPosition: StartPosition;
  checkpoint: { redis?: string; file: string; intervalMs: number };
  transform: { module?: string; threads: number; windowRecords: number; windowsInFlight: number; timeoutMs: number };
  buffer: { maxRecords: number; maxBytes: number; maxAgeMs: number };
  emitter: ResolvedEmitterConfig;
  deadLetter: { dir: string };
  reader: { maxRecordsPerCall: number; pollIntervalMs: number; maxBytesInFlight: number };
  shards: { discoveryIntervalMs: number; hostThreads?: number };
  restart: { baseMs: number; maxMs: number; maxRestarts: number; windowMs: number; slowRetryMs: number };
  source: SourceConfig;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
}

/** Every default in one place. */
export const DEFAULTS = {
  kinesis: { region: 'us-east-1', maxAttempts: 5 },
  startPosition: 'TRIM_HORIZON',
  checkpoint: { file: './checkpoints.json', intervalMs: 1000 },
  transform: { threads: availableParallelism(), windowRecords: 500, windowsInFlight: 4, timeoutMs: 60_000 },
  buffer: { maxRecords: 500, maxBytes: 1024 * 1024, maxAgeMs: 1000 },
  emitter: { type: 'file', dir: './output', prefix: '', gzip: false, threads: 1 },
  deadLetter: { dir: './dead-letter' },
  reader: { maxRecordsPerCall: 10_000, pollIntervalMs: 1000, maxBytesInFlight: 32 * 1024 * 1024 },
  shards: { discoveryIntervalMs: 10_000 },
  restart: { baseMs: 500, maxMs: 30_000, maxRestarts: 10, windowMs: 60_000, slowRetryMs: 60_000 },
  shutdownTimeoutMs: 30_000,
  logLevel: 'info',
} as const;

type Obj = Record<string, unknown>;


function section(input: Obj, key: string, allowed: readonly string[]): Obj {
  const value = input[key];
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(key, `must be an object, got ${show(value)}`);
  }
  noUnknownKeys(value as Obj, allowed, `${key}.`);
  return value as Obj;
}

function noUnknownKeys(obj: Obj, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${prefix}${key}`, `is not a known option (known: ${allowed.join(', ')})`);
    }
  }
}

function str(obj: Obj, key: string, path: string, fallback?: string): string {
  const value = obj[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(path, `must be a non-empty string, got ${show(value)}`);
  }
  return value;
}

function optStr(obj: Obj, key: string, path: string): string | undefined {
  return obj[key] === undefined ? undefined : str(obj, key, path);
}

function int(obj: Obj, key: string, path: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
    throw new ConfigError(path, `must be ${what}${max < Number.MAX_SAFE_INTEGER ? ` no larger than ${max}` : ''}, got ${show(value)}`);
  }
  return value;
}

function bool(obj: Obj, key: string, path: string, fallback: boolean): boolean {
  const value = obj[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ConfigError(path, `must be true or false, got ${show(value)}`);
  return value;
}

function url(obj: Obj, key: string, path: string, protocols: string[]): string | undefined {
  const value = optStr(obj, key, path);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(path, `must be a URL (${protocols.join(' or ')}), got ${show(redactUrl(value))}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(path, `must use ${protocols.join(' or ')}, got ${show(redactUrl(value))}`);
  }
  return value;
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Unparseable: hide everything between "://" and the last "@" (user and password alike).
    const at = value.lastIndexOf('@');
    const scheme = value.indexOf('://');
    if (at < 0) return value;
    return `${scheme >= 0 && scheme < at ? value.slice(0, scheme + 3) : ''}***${value.slice(at)}`;
  }
}

function path(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

export interface ResolveContext {
  /** Folder relative paths resolve from (the config file's folder). @defaultValue process.cwd() */
  baseDir?: string;
  /** Environment consulted for `REDIS_URL`. @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

/** Validates `input` and fills in defaults. Throws a ConfigError naming the first bad option. */
export function resolveConfig(input: unknown, context: ResolveContext = {}): ResolvedConfig {
  const baseDir = context.baseDir ?? process.cwd();
  const env = context.env ?? process.env;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('config', `must be an object, got ${show(input)}`);
  }
  const root = input as Obj;
  noUnknownKeys(root, ['app', 'stream', 'kinesis', 'startPosition', 'checkpoint', 'transform', 'buffer', 'emitter',
    'deadLetter', 'reader', 'shards', 'restart', 'source', 'shutdownTimeoutMs', 'logLevel'], '');

  const app = str(root, 'app', 'app');
  if (/[:\s]/.test(app)) throw new ConfigError('app', `must not contain ':' or spaces, got ${show(app)}`);
  const stream = str(root, 'stream', 'stream');
  if (!isStreamName(stream)) throw new ConfigError('stream', `must be ${STREAM_NAME_RULE}, got ${show(stream)}`);

  const k = section(root, 'kinesis', ['region', 'endpoint', 'maxAttempts']);
  const kinesis = {
    region: str(k, 'region', 'kinesis.region', env.AWS_REGION ?? DEFAULTS.kinesis.region),
    endpoint: url(k, 'endpoint', 'kinesis.endpoint', ['http:', 'https:']),
    maxAttempts: int(k, 'maxAttempts', 'kinesis.maxAttempts', DEFAULTS.kinesis.maxAttempts),
  };

  const startPosition = str(root, 'startPosition', 'startPosition', DEFAULTS.startPosition);
  if (startPosition !== 'TRIM_HORIZON' && startPosition !== 'LATEST' &&
      !(/^\d{4}-\d{2}-\d{2}T/.test(startPosition) && Number.isFinite(Date.parse(startPosition)))) {
    throw new ConfigError('startPosition', `must be "TRIM_HORIZON", "LATEST" or an ISO timestamp, got ${show(startPosition)}`);
  }

  const c = section(root, 'checkpoint', ['redis', 'file', 'intervalMs']);
  const redisUrl = url(c, 'redis', 'checkpoint.redis', ['redis:', 'rediss:']) ??
    (c.file === undefined && env.REDIS_URL ? url({ r: env.REDIS_URL }, 'r', 'REDIS_URL', ['redis:', 'rediss:']) : undefined);
  const checkpoint = {
    redis: redisUrl,
    file: path(baseDir, str(c, 'file', 'checkpoint.file', DEFAULTS.checkpoint.file)),
    intervalMs: int(c, 'intervalMs', 'checkpoint.intervalMs', DEFAULTS.checkpoint.intervalMs),
  };

  const t = section(root, 'transform', ['module', 'threads', 'windowRecords', 'windowsInFlight', 'timeoutMs']);
  const module = optStr(t, 'module', 'transform.module');
  const transform = {
    module: module === undefined ? undefined : path(baseDir, module),
    threads: int(t, 'threads', 'transform.threads', DEFAULTS.transform.threads, 1, 256),
    windowRecords: int(t, 'windowRecords', 'transform.windowRecords', DEFAULTS.transform.windowRecords, 1, 10_000),
    windowsInFlight: int(t, 'windowsInFlight', 'transform.windowsInFlight', DEFAULTS.transform.windowsInFlight, 1, 64),
    timeoutMs: int(t, 'timeoutMs', 'transform.timeoutMs', DEFAULTS.transform.timeoutMs),
  };

  const b = section(root, 'buffer', ['maxRecords', 'maxBytes', 'maxAgeMs']);
  const buffer = {
    maxRecords: int(b, 'maxRecords', 'buffer.maxRecords', DEFAULTS.buffer.maxRecords),
    maxBytes: int(b, 'maxBytes', 'buffer.maxBytes', DEFAULTS.buffer.maxBytes),
    maxAgeMs: int(b, 'maxAgeMs', 'buffer.maxAgeMs', DEFAULTS.buffer.maxAgeMs),
  };

  const emitter = resolveEmitter(root.emitter, baseDir, env);

  const d = section(root, 'deadLetter', ['dir']);
  const deadLetter = { dir: path(baseDir, str(d, 'dir', 'deadLetter.dir', DEFAULTS.deadLetter.dir)) };

  const r = section(root, 'reader', ['maxRecordsPerCall', 'pollIntervalMs', 'maxBytesInFlight']);
  const reader = {
    maxRecordsPerCall: int(r, 'maxRecordsPerCall', 'reader.maxRecordsPerCall', DEFAULTS.reader.maxRecordsPerCall, 1, 10_000),
    pollIntervalMs: int(r, 'pollIntervalMs', 'reader.pollIntervalMs', DEFAULTS.reader.pollIntervalMs, 0),
    maxBytesInFlight: int(r, 'maxBytesInFlight', 'reader.maxBytesInFlight', DEFAULTS.reader.maxBytesInFlight),
  };

  const s = section(root, 'shards', ['discoveryIntervalMs', 'hostThreads']);
  const shards = {
    discoveryIntervalMs: int(s, 'discoveryIntervalMs', 'shards.discoveryIntervalMs', DEFAULTS.shards.discoveryIntervalMs),
    hostThreads: s.hostThreads === undefined ? undefined : int(s, 'hostThreads', 'shards.hostThreads', 1, 1, 256),
  };

  const rs = section(root, 'restart', ['baseMs', 'maxMs', 'maxRestarts', 'windowMs', 'slowRetryMs']);
  const restart = {
    baseMs: int(rs, 'baseMs', 'restart.baseMs', DEFAULTS.restart.baseMs),
    maxMs: int(rs, 'maxMs', 'restart.maxMs', DEFAULTS.restart.maxMs),
    maxRestarts: int(rs, 'maxRestarts', 'restart.maxRestarts', DEFAULTS.restart.maxRestarts),
    windowMs: int(rs, 'windowMs', 'restart.windowMs', DEFAULTS.restart.windowMs),
    slowRetryMs: int(rs, 'slowRetryMs', 'restart.slowRetryMs', DEFAULTS.restart.slowRetryMs),
  };
  if (restart.maxMs < restart.baseMs) {
    throw new ConfigError('restart.maxMs', `must be >= restart.baseMs (${restart.baseMs}), got ${restart.maxMs}`);
  }

  const source = resolveSource(root.source, baseDir);
  const shutdownTimeoutMs = int(root, 'shutdownTimeoutMs', 'shutdownTimeoutMs', DEFAULTS.shutdownTimeoutMs);
  const logLevel = str(root, 'logLevel', 'logLevel', DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got ${show(logLevel)}`);
  }

  return { app, stream, kinesis, startPosition, checkpoint, transform, buffer, emitter, deadLetter, reader, shards,
    restart, source, shutdownTimeoutMs, logLevel };
}

const EMITTER_TYPES = ['s3', 's3-manifest', 'redshift', 'redshift-manifest', 'kinesis', 'postgres', 'file', 'discard'] as const;
const S3_KEYS = ['bucket', 'prefix', 'gzip', 'region', 'endpoint', 'forcePathStyle'];
const REDSHIFT_KEYS = ['url', 'columns', 'format', 'iamRole', 'accessKeyId', 'secretAccessKey'];
const EMITTER_KEYS: Record<(typeof EMITTER_TYPES)[number], string[]> = {
  's3': S3_KEYS,
  's3-manifest': [...S3_KEYS, 'manifestStream'],
  'redshift': [...S3_KEYS, ...REDSHIFT_KEYS, 'table', 'fileTable'],
  'redshift-manifest': [...S3_KEYS, ...REDSHIFT_KEYS, 'dataTable', 'fileTable'],
  'kinesis': ['stream', 'region', 'endpoint', 'partitionKey'],
  'postgres': ['url', 'table', 'columns'],
  'file': ['dir', 'prefix', 'gzip'],
  'discard': [],
};

function resolveEmitter(value: unknown, baseDir: string, env: Record<string, string | undefined>): ResolvedEmitterConfig {
  if (value === undefined) return { ...DEFAULTS.emitter, dir: path(baseDir, DEFAULTS.emitter.dir) };
  const e = section({ emitter: value }, 'emitter', ['type', 'threads', ...new Set(Object.values(EMITTER_KEYS).flat())]);
  const type = e.type as (typeof EMITTER_TYPES)[number];
  if (!EMITTER_TYPES.includes(type)) {
    throw new ConfigError('emitter.type', `must be one of ${EMITTER_TYPES.map((t) => `"${t}"`).join(', ')}, got ${show(e.type)}`);
  }
  noUnknownKeys(e, ['type', 'threads', ...EMITTER_KEYS[type]], 'emitter.');
  const threads = int(e, 'threads', 'emitter.threads', DEFAULTS.emitter.threads, 1, 64);
  const region = env.AWS_REGION ?? DEFAULTS.kinesis.region;
  switch (type) {
    case 's3':
      return { type, threads, ...s3Target(e, region) };
    case 's3-manifest':
      return { type, threads, ...s3Target(e, region), manifestStream: streamName(e, 'manifestStream') };
    case 'redshift':
      return {
        type, threads, ...s3Target(e, region), ...redshiftCommon(e, env),
        table: ident(e, 'table'),
        fileTable: e.fileTable === undefined ? undefined : ident(e, 'fileTable'),
      };
    case 'redshift-manifest':
      return {
        type, threads, ...s3Target(e, region), ...redshiftCommon(e, env),
        dataTable: ident(e, 'dataTable'), fileTable: ident(e, 'fileTable'),
      };
    case 'kinesis': {
      const partitionKey = str(e, 'partitionKey', 'emitter.partitionKey', 'sequence');
      if (partitionKey !== 'sequence' && partitionKey !== 'source-shard') {
        throw new ConfigError('emitter.partitionKey', `must be "sequence" or "source-shard", got ${show(partitionKey)}`);
      }
      return {
        type, threads, stream: streamName(e, 'stream'), partitionKey,
        region: str(e, 'region', 'emitter.region', region),
        endpoint: url(e, 'endpoint', 'emitter.endpoint', ['http:', 'https:']),
      };
    }
    case 'postgres': {
      let columns: Record<string, string> | undefined;
      if (e.columns !== undefined) {
        if (e.columns === null || typeof e.columns !== 'object' || Array.isArray(e.columns) || Object.keys(e.columns).length === 0 ||
            !Object.values(e.columns).every((v) => typeof v === 'string' && v !== '')) {
          throw new ConfigError('emitter.columns', `must map column names to JSON field names, such as {"user_id": "user.id"}, got ${show(e.columns)}`);
        }
        columns = e.columns as Record<string, string>;
      }
      return { type, threads, url: dbUrl(e, env.DATABASE_URL, 'DATABASE_URL'), table: ident(e, 'table'), columns };
    }
    case 'file':
      return {
        type, threads,
        dir: path(baseDir, str(e, 'dir', 'emitter.dir', DEFAULTS.emitter.dir)),
        prefix: prefix(e, 'emitter.prefix'),
        gzip: bool(e, 'gzip', 'emitter.gzip', false),
      };
    case 'discard':
      return { type, threads };
  }
}

function s3Target(e: Obj, region: string): ResolvedS3Target {
  const bucket = str(e, 'bucket', 'emitter.bucket');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError('emitter.bucket', `must be an S3 bucket name (3-63 of a-z 0-9 . -), got ${show(bucket)}`);
  }
  const endpoint = url(e, 'endpoint', 'emitter.endpoint', ['http:', 'https:']);
  return {
    bucket, endpoint,
    prefix: prefix(e, 'emitter.prefix'),
    gzip: bool(e, 'gzip', 'emitter.gzip', false),
    region: str(e, 'region', 'emitter.region', region),
    forcePathStyle: bool(e, 'forcePathStyle', 'emitter.forcePathStyle', endpoint !== undefined),
  };
}

function streamName(e: Obj, key: string): string {
  const name = str(e, key, `emitter.${key}`);
  if (!isStreamName(name)) throw new ConfigError(`emitter.${key}`, `must be ${STREAM_NAME_RULE}, got ${show(name)}`);
  return name;
}

/** A table or column name: any non-empty string (it is always quoted), optionally schema-qualified. */
function ident(e: Obj, key: string): string {
  const name = str(e, key, `emitter.${key}`);
  if (name.includes('\0') || name.split('.').some((part) => part === '')) {
    throw new ConfigError(`emitter.${key}`, `must be a table name such as "events" or "analytics.events", got ${show(name)}`);
  }
  return name;
}

function dbUrl(e: Obj, fallback: string | undefined, envName: string): string {
  const value = url(e, 'url', 'emitter.url', ['postgres:', 'postgresql:']) ??
    (fallback ? url({ u: fallback }, 'u', envName, ['postgres:', 'postgresql:']) : undefined);
  if (value === undefined) throw new ConfigError('emitter.url', `must be a postgres:// URL (or set ${envName}), got undefined`);
  return value;
}

function redshiftCommon(e: Obj, env: Record<string, string | undefined>) {
  let auth: ResolvedAuth;
  if (e.iamRole !== undefined) {
    if (e.accessKeyId !== undefined || e.secretAccessKey !== undefined) {
      throw new ConfigError('emitter.iamRole', 'and access keys are exclusive: give one or the other');
    }
    const role = str(e, 'iamRole', 'emitter.iamRole');
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
      throw new ConfigError('emitter.iamRole', `must be an IAM role ARN such as "arn:aws:iam::123456789012:role/redshift-copy", got ${show(role)}`);
    }
    auth = { iamRole: role };
  } else if (e.accessKeyId !== undefined || e.secretAccessKey !== undefined) {
    const accessKeyId = str(e, 'accessKeyId', 'emitter.accessKeyId');
    if (typeof e.secretAccessKey !== 'string' || e.secretAccessKey === '') {
      throw new ConfigError('emitter.secretAccessKey', 'must be a non-empty string when emitter.accessKeyId is set (value not shown)');
    }
    auth = { accessKeyId, secretAccessKey: e.secretAccessKey };
  } else {
    throw new ConfigError('emitter.iamRole', 'or emitter.accessKeyId and emitter.secretAccessKey must be set (the COPY authorization)');
  }
  let format: RedshiftFormatConfig = 'json-auto';
  const f = e.format;
  if (f !== undefined) {
    if (f === 'json-auto') format = 'json-auto';
    else if (f && typeof f === 'object' && !Array.isArray(f) && typeof (f as Obj).jsonPaths === 'string' && /^s3:\/\/[^/]+\/.+/.test((f as Obj).jsonPaths as string) && Object.keys(f).length === 1) {
      format = { jsonPaths: (f as Obj).jsonPaths as string };
    } else if (f && typeof f === 'object' && !Array.isArray(f) && typeof (f as Obj).delimiter === 'string' && ((f as Obj).delimiter as string).length === 1 && Object.keys(f).length === 1) {
      format = { delimiter: (f as Obj).delimiter as string };
    } else {
      throw new ConfigError('emitter.format', `must be "json-auto", {"jsonPaths": "s3://bucket/key"} or {"delimiter": "<one character>"}, got ${show(f)}`);
    }
  }
  let columns: string[] | undefined;
  if (e.columns !== undefined) {
    if (!Array.isArray(e.columns) || e.columns.length === 0 || !e.columns.every((c) => typeof c === 'string' && c !== '')) {
      throw new ConfigError('emitter.columns', `must be a non-empty list of column names, got ${show(e.columns)}`);
    }
    columns = e.columns as string[];
  }
  return { url: dbUrl(e, env.REDSHIFT_URL, 'REDSHIFT_URL'), auth, format, columns };
}

function prefix(e: Obj, p: string): string {
  const value = e.prefix;
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.startsWith('/') || value.includes('..')) {
    throw new ConfigError(p, `must be a relative key prefix such as "clicks/", got ${show(value)}`);
  }
  return value;
}

function resolveSource(value: unknown, baseDir: string): SourceConfig {
  if (value === undefined) return { type: 'kinesis' };
  const s = section({ source: value }, 'source', ['type', 'dir']);
  if (s.type === 'kinesis') {
    noUnknownKeys(s, ['type'], 'source.');
    return { type: 'kinesis' };
  }
  if (s.type === 'files') return { type: 'files', dir: path(baseDir, str(s, 'dir', 'source.dir')) };
  throw new ConfigError('source.type', `must be "kinesis" or "files", got ${show(s.type)}`);
}
