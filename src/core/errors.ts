/**
 * The project's error classes. Every error carries a stable `code`, a `retriable` flag and, where it
 * wraps another failure, a `cause`. These three fields survive a hop between threads (see `rpc.ts`).
 */
export class ConnectorError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(message: string, options: { code?: string; retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = options.code ?? 'CONNECTOR_ERROR';
    this.retriable = options.retriable ?? false;
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

/** A sink (S3, files, ...) refused or failed a write. */
export class EmitError extends ConnectorError {
  constructor(message: string, options: { retriable: boolean; cause?: unknown; code?: string }) {
    super(message, { code: options.code ?? 'EMIT_FAILED', retriable: options.retriable, cause: options.cause });
    this.name = 'EmitError';
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
