/**
 * The CLI's logger: pino, writing to stderr (stdout carries `status` and `local --json` output).
 * `json`: one JSON object a line, `{"level":30,"levelName":"info","time":"<ISO>","pid":…,"hostname":…,"msg":…,<fields>}`.
 * `pretty`: pino-pretty's human-readable lines, for a terminal. Both write synchronously, so
 * nothing logged is lost when the CLI calls process.exit.
 */
import { pino, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { describeError } from '../core/errors.js';
import type { LogLevel } from '../core/logger.js';
import { UsageError } from './usage-error.js';

export type LogFormat = 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

export type CliLogger = PinoLogger;

/** `--log-format`'s value, or the default: `pretty` when stderr is a terminal, else `json`. */
export function logFormat(value: string | undefined, stderrIsTTY = process.stderr.isTTY === true): LogFormat {
  if (value === undefined) return stderrIsTTY ? 'pretty' : 'json';
  if (!LOG_FORMATS.includes(value as LogFormat)) {
    throw new UsageError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as LogFormat;
}

/** Error values among the fields become `describeError` strings (pino would write `{}`); the rest as they are. */
function plainFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(fields)) {
    if (!(v instanceof Error)) continue;
    out ??= { ...fields };
    out[k] = describeError(v);
  }
  return out ?? fields;
}

/**
 * pino-pretty's formatting, written synchronously (by pino's own SonicBoom, which retries a full
 * pipe): nothing waits in a stream when the CLI exits.
 */
function prettyDestination(fd: number): { write(line: string): void } {
  const prettify = prettyFactory({ colorize: fd === 2 && process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true, errorLikeObjectKeys: ['err'], ignore: 'pid,hostname,levelName' });
  const out = pino.destination({ fd, sync: true });
  return { write: (line) => { out.write(prettify(line)); } };
}

/** A pino logger on `fd` (stderr by default) in `format`, at `level`. */
export function createCliLogger(level: LogLevel, format: LogFormat, fd = 2): CliLogger {
  const destination = format === 'pretty' ? prettyDestination(fd) : pino.destination({ fd, sync: true });
  return pino({
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label, number) => ({ level: number, levelName: label }),
      log: plainFields,
    },
  }, destination);
}
