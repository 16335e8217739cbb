/**
 * The project's error classes. Every error carries a stable `code`, a `retriable` flag and, where it
 * wraps another failure, a `cause`. These three fields survive a hop between threads (see `rpc.ts`).
 */
export class ConnectorError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  /**
   * The failure cannot heal by itself (a missing bucket, table or stream, refused credentials): it
   * needs the configuration or the sink fixed. Never retriable. @defaultValue false
   */
  readonly permanent: boolean;

  constructor(message: string, options: { code?: string; retriable?: boolean; permanent?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = options.code ?? 'CONNECTOR_ERROR';
    this.permanent = options.permanent ?? false;
    this.retriable = !this.permanent && (options.retriable ?? false);
  }
}

/** Invalid configuration: a programmer error, never retried. The message names the option path. */
export class ConfigError extends ConnectorError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path} ${message}`, { code: 'CONFIG_INVALID', retriable: false });
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** The transform module could not be loaded or does not have the expected shape. */
export class TransformModuleError extends ConnectorError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'TRANSFORM_MODULE_INVALID', retriable: false, cause });
    this.name = 'TransformModuleError';
  }
}

/**
 * A sink (S3, files, ...) refused or failed a write. It is permanent when its cause is (see
 * {@link isPermanent}), unless `permanent` says otherwise.
 */
export class EmitError extends ConnectorError {
  constructor(message: string, options: { retriable: boolean; cause?: unknown; code?: string; permanent?: boolean }) {
    super(message, { code: options.code ?? 'EMIT_FAILED', retriable: options.retriable, cause: options.cause,
      permanent: options.permanent ?? isPermanent(options.cause) });
    this.name = 'EmitError';
  }
}

/**
 * A sink or the checkpoint store failed its start-up check (see `Pipeline.start`): the message names
 * the sink, the setting and the service's error. Never retried: the pipeline does not start.
 */
export class SinkCheckError extends ConnectorError {
  readonly sink: string;
  readonly setting: string;

  constructor(sink: string, setting: string, doing: string, cause: unknown) {
    super(`${sink} start-up check failed: ${setting}: ${doing} failed: ${describeServiceError(cause)}`,
      { code: 'SINK_UNAVAILABLE', retriable: false, permanent: true, cause });
    this.name = 'SinkCheckError';
    this.sink = sink;
    this.setting = setting;
  }
}

/** The checkpoint store could not be read or written. A Redis outage is this, never "no checkpoint". */
export class CheckpointError extends ConnectorError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'CHECKPOINT_FAILED', retriable: true, cause });
    this.name = 'CheckpointError';
  }
}

/**
 * A checkpoint write was refused because the shard's lease moved to another worker (or another
 * token) since this worker took it: this worker must stop reading the shard. Never retried.
 */
export class LeaseLostError extends ConnectorError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'LEASE_LOST', retriable: false, cause });
    this.name = 'LeaseLostError';
  }
}

/** A thread died or a call to it could not be answered. */
export class ThreadError extends ConnectorError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'THREAD_DIED', retriable: true, cause });
    this.name = 'ThreadError';
  }
}

const RETRIABLE_AWS_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'TooManyRequestsException',
  'KMSThrottlingException',
  'KMSInternalException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ExpiredIteratorException',
]);

/** AWS error names that no retry heals: missing buckets and streams, refused or wrong credentials. */
const PERMANENT_AWS_NAMES = new Set([
  'AccessDenied', 'AccessDeniedException', 'NoSuchBucket', 'InvalidAccessKeyId', 'SignatureDoesNotMatch',
  'UnrecognizedClientException', 'InvalidSignatureException', 'ResourceNotFoundException',
]);

/** SQLSTATEs that no retry heals: a missing table or column, a wrong password. */
const PERMANENT_SQL_STATES = new Set(['42P01', '42703', '28P01', '28000']);

/**
 * Whether a failure needs the configuration or the sink fixed before anything can succeed: S3
 * AccessDenied, NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch; Kinesis
 * ResourceNotFoundException (a missing stream) and refused credentials; PostgreSQL/Redshift
 * undefined_table (42P01), undefined_column (42703), invalid_password (28P01) and
 * invalid_authorization_specification (28000). A ConnectorError says so itself (`permanent`).
 */
export function isPermanent(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown; permanent?: unknown };
  if (typeof e.permanent === 'boolean') return e.permanent;
  if (typeof e.name === 'string' && PERMANENT_AWS_NAMES.has(e.name)) return true;
  return typeof e.code === 'string' && PERMANENT_SQL_STATES.has(e.code);
}

const RETRIABLE_NET_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
  'ECONNABORTED', 'UND_ERR_SOCKET',
]);

/**
 * The one place that decides whether a failure is worth retrying: throttling, 5xx, timeouts and
 * network errors are; validation, access and missing-resource errors (and programmer errors) are not.
 */
export function isRetriable(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as {
    name?: string; code?: string; retriable?: boolean;
    $retryable?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: string;
  };
  if (typeof e.retriable === 'boolean') return e.retriable;
  if (isPermanent(err)) return false;
  if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError) return false;
  if (e.name && RETRIABLE_AWS_NAMES.has(e.name)) return true;
  if (e.code && RETRIABLE_NET_CODES.has(e.code)) return true;
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) return isRetriableSqlState(e.code);
  if (/Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout/i.test(String((err as Error).message))) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status >= 500 || status === 429;
  return e.$fault === 'server';
}

/**
 * PostgreSQL/Redshift SQLSTATEs worth retrying: connection exceptions (class 08), serialization
 * failures and deadlocks, too many connections, and a server shutting down or restarting.
 */
function isRetriableSqlState(code: string): boolean {
  return code.startsWith('08') || code === '40001' || code === '40P01' || code === '53300' || code === '57P01' ||
    code === '57P02' || code === '57P03';
}

/** A short, credential-free description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.name}${typeof code === 'string' && code !== err.name ? ` (${code})` : ''}: ${err.message}`;
  }
  return String(err);
}

/**
 * {@link describeError}, plus the HTTP status of an AWS error, whose message is only "UnknownError"
 * when the answer had no body (HeadBucket's 404 and 403); a PostgreSQL error by its SQLSTATE.
 */
export function describeServiceError(err: unknown): string {
  const pgError = err as { code?: unknown; severity?: unknown } | null;
  if (err instanceof Error && typeof pgError?.severity === 'string' && typeof pgError.code === 'string') return `SQLSTATE ${pgError.code}: ${err.message}`;
  const status = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return `${describeError(err)}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
}

/** A value as it appears in an error message: strings quoted, numbers as they are, objects as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
