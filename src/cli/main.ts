#!/usr/bin/env node
/** The `kinesis-connectors` command. The only place in the project that calls process.exit. */
// First: it must run before any import below loads the AWS SDK.
import './quiet-sdk-warning.js';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../config/config.js';
import { createStream } from '../aws/create-stream.js';
import { describeError } from '../core/errors.js';
import { createKinesisClient } from '../aws/kinesis-client.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { LOG_LEVELS, type LogLevel } from '../core/logger.js';
import { createCliLogger, logFormat, type CliLogger, type LogFormat } from './cli-logger.js';
import { Pipeline } from '../supervisor/pipeline.js';
import { ShutdownSignals } from './shutdown-signals.js';
import { UsageError, isParseArgsError } from './usage-error.js';

const USAGE = `Usage:
  kinesis-connectors run <config.json|config.js> [--idle-exit <ms>] [--log-level <debug|info|warn|error|silent>]
                         [--http-port <n>] [--log-format <json|pretty>]
      Runs the pipeline until SIGINT/SIGTERM. With --idle-exit, exits 0 once every shard has caught
      up (MillisBehindLatest 0), nothing arrived for that long and everything is emitted and checkpointed.
      --http-port serves /metrics, /healthz, /readyz, /status.json and a status page (0: a free port).
      Logs go to stderr: JSON lines, or pretty lines (the default when stderr is a terminal).
  kinesis-connectors status <config.json|config.js> [--json]
      Shows who reads what: each shard's lease owner, time left and checkpoint, and the live workers.
  kinesis-connectors bench <config.json|config.js> [--records <n>] [--from <sample.ndjson>] [--e2e] [--shards <n>] [--json]
      Measures the config's transform module over a sample of records (--from a file, else read from the
      stream without checkpointing): one thread, the pool at 1 to cores threads and a few window sizes,
      and suggests transform.threads and transform.windowRecords. --e2e also runs the whole pipeline
      over the sample (--shards replay files, a discarding emitter) and estimates shards per process.
  kinesis-connectors create-stream <name> --shards <n> [--endpoint <url>] [--region <region>]
      Creates a stream if it is missing and waits until it is ACTIVE.
  kinesis-connectors demo [--records <n>] [--shards <n>] [--out <dir>] [--log-format <json|pretty>]
      Runs an embedded Kinesis and S3, produces click events and moves them through the pipeline.
  kinesis-connectors local [--dir <folder>] [--bucket <name>]... [--kinesis-port <n>] [--s3-port <n>]
                           [--redshift-port <n>] [--no-redshift] [--json]
      Starts an embedded Kinesis, an embedded S3 and the local Redshift stand-in (on the PostgreSQL at
      DATABASE_URL) on 127.0.0.1, prints their endpoints, and runs until SIGINT/SIGTERM.
`;

function fail(message: string, code = 1): never {
  process.stderr.write(`kinesis-connectors: ${message}\n`);
  process.exit(code);
}

function positiveInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) fail(`--${name} is required\n\n${USAGE}`, 2);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${JSON.stringify(value)}`, 2);
  return n;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) fail(`--http-port must be a port number (0 to 65535), got ${JSON.stringify(value)}`, 2);
  return n;
}

/** Runs a started `pipeline` until a signal (or idleness, with idleExitMs), then stops it. */
async function runUntilSignalled(pipeline: Pipeline, signals: ShutdownSignals, idleExitMs?: number): Promise<void> {
  void signals.received.then(() => pipeline.stop());
  if (idleExitMs !== undefined) {
    const ac = new AbortController();
    await Promise.race([pipeline.waitUntilIdle(idleExitMs, ac.signal), pipeline.done()]);
    ac.abort();
  } else {
    await pipeline.done();
  }
  await pipeline.stop();
}

/** The logger of `run`, once made: a fatal error is logged through it too (as JSON, in the json format). */
let runLog: { logger: CliLogger; format: LogFormat } | undefined;

/**
 * `run`: the command line is read and the logger made (synchronously) before anything else, then
 * signals are handled; one during the start-up stops what started.
 */
async function run(rest: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: {
    'idle-exit': { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' }, 'http-port': { type: 'string' } } });
  if (positionals.length !== 1) fail(`run needs exactly one config file\n\n${USAGE}`, 2);
  const idle = values['idle-exit'] === undefined ? undefined : positiveInt('idle-exit', values['idle-exit']);
  if (values['log-level'] !== undefined && !LOG_LEVELS.includes(values['log-level'] as LogLevel)) {
    fail(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(values['log-level'])}`, 2);
  }
  const format = logFormat(values['log-format']);
  // Until the config is read: the level of --log-level, else info. Then the config's (which --log-level overrides).
  const logger = createCliLogger((values['log-level'] as LogLevel | undefined) ?? 'info', format);
  runLog = { logger, format };
  const signals = new ShutdownSignals((code) => process.exit(code), (level, signal, text) => logger[level]({ signal }, text));
  const { options, baseDir } = await loadConfigFile(positionals[0]);
  if (values['log-level']) options.logLevel = values['log-level'] as LogLevel;
  if (values['http-port'] !== undefined) options.http = { ...options.http, port: portNumber(values['http-port']) };
  const config = resolveConfig(options, { baseDir });
  logger.level = config.logLevel;
  if (signals.signalled) return;
  const pipeline = new Pipeline(options, { baseDir, logger });
  const started = pipeline.start().then(() => true);
  void pipeline.serveHttp().then((url) => { if (url) logger.info({ url }, 'http endpoints listening'); }, () => undefined);
  if (!await Promise.race([started, signals.received.then(() => false)])) {
    // The start-up is abandoned: its failure from here on (threads closed under it) is expected.
    started.catch(() => undefined);
    await pipeline.stop();
    return;
  }
  await runUntilSignalled(pipeline, signals, idle);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run':
      return run(rest);
    case 'status': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean' } } });
      if (positionals.length !== 1) fail(`status needs exactly one config file\n\n${USAGE}`, 2);
      const { showStatus } = await import('./status.js');
      process.stdout.write(await showStatus(positionals[0], values.json === true));
      return;
    }
    case 'bench': {
      const { bench } = await import('./bench-command.js');
      process.stdout.write(await bench(rest));
      return;
    }
    case 'create-stream': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: {
        shards: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' } } });
      if (positionals.length !== 1) fail(`create-stream needs a stream name\n\n${USAGE}`, 2);
      const shards = positiveInt('shards', values.shards);
      const client = createKinesisClient({ region: values.region ?? process.env.AWS_REGION ?? 'us-east-1', endpoint: values.endpoint });
      try {
        await createStream(client, positionals[0], shards);
      } finally {
        client.destroy();
      }
      process.stdout.write(`stream ${positionals[0]} is ACTIVE\n`);
      return;
    }
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: {
        records: { type: 'string' }, shards: { type: 'string' }, out: { type: 'string' }, 'log-format': { type: 'string' } } });
      const logger = createCliLogger('warn', logFormat(values['log-format']));
      const { runDemo } = await import('./demo.js');
      await runDemo({
        records: positiveInt('records', values.records, 40_000),
        shards: positiveInt('shards', values.shards, 4),
        outDir: values.out ?? 'demo-output',
        logger,
      });
      return;
    }
    case 'local': {
      const { runLocal } = await import('./local.js');
      await runLocal(rest);
      return;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    if (err instanceof UsageError || isParseArgsError(err)) fail(`${err.message}\n\n${USAGE}`, 2);
    // A log collector sees the reason among the JSON lines; the last line stays for the person reading stderr.
    if (runLog?.format === 'json') runLog.logger.fatal({ error: describeError(err) }, 'exiting on an error');
    fail(describeError(err));
  },
);
