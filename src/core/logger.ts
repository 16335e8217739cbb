/**
 * The Logger interface passed into the pipeline at initialisation. Its shape is pino's
 * (`logger.info({ shardId }, 'message')`), so a pino logger can be passed as is.
 */
export interface Logger {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** A log event as it crosses from a worker thread to the main thread's logger. */
export interface LogEvent {
  type: 'log';
  level: Exclude<LogLevel, 'silent'>;
  fields: Record<string, unknown>;
  msg: string;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /^[\w./:@+-]*$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** A plain line logger to a stream (stderr by default): `2026-01-01T00:00:00.000Z INFO msg key=value`. */
export function createConsoleLogger(level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const make = (lvl: Exclude<LogLevel, 'silent'>) => (fields: object, msg = '') => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const pairs = Object.entries(fields).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
    write(`${new Date().toISOString()} ${lvl.toUpperCase()} ${msg}${pairs ? ` ${pairs}` : ''}\n`);
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A logger for worker threads: every call becomes a LogEvent posted to the main thread. */
export function createForwardingLogger(post: (event: LogEvent) => void, base: Record<string, unknown> = {}): Logger {
  const make = (level: LogEvent['level']) => (fields: object, msg = '') => {
    const plain: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(fields)) {
      plain[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code } : v;
    }
    post({ type: 'log', level, fields: plain, msg });
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

export function dispatchLog(logger: Logger, event: LogEvent): void {
  logger[event.level](event.fields, event.msg);
}
