/**
 * `kinesis-connectors local`: the stand-ins of `kinesis-connectors/local` as a process of their own.
 * Starts an embedded Kinesis, an embedded S3 and (when PostgreSQL answers) the local Redshift
 * stand-in, all on 127.0.0.1; prints their endpoints and the environment that points the example
 * configs at them; runs until SIGINT or SIGTERM, then closes them and returns.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { redactUrl } from '../config/config.js';
import { DATABASE_URL, LOCAL_REGION, checkPostgres, startLocalStack, type LocalStack } from '../local/index.js';
import { UsageError, isParseArgsError } from './usage-error.js';

export interface LocalCommandOptions {
  /** Folder of the embedded S3's objects (kept); without it, a temporary folder removed on exit. */
  dir?: string;
  buckets: string[];
  kinesisPort: number;
  s3Port: number;
  redshiftPort: number;
  /** false with --no-redshift. */
  redshift: boolean;
  json: boolean;
}

/** What `local` prints: the endpoints (a stand-in not started has none) and the environment. */
export interface LocalEndpoints {
  kinesis: string;
  s3: string;
  /** Without the password of DATABASE_URL, if it has one. */
  redshift: string | null;
  /** Why there is no Redshift stand-in. */
  redshiftSkipped?: string;
  s3Directory: string;
  s3DirectoryRemovedOnExit: boolean;
  buckets: string[];
  env: Record<string, string>;
}

/** Parses the arguments after `local`; a wrong one is a UsageError. */
export function parseLocalArgs(args: string[]): LocalCommandOptions {
  let values;
  try {
    ({ values } = parseArgs({ args, strict: true, allowPositionals: false, options: {
      dir: { type: 'string' },
      bucket: { type: 'string', multiple: true },
      'kinesis-port': { type: 'string' },
      's3-port': { type: 'string' },
      'redshift-port': { type: 'string' },
      'no-redshift': { type: 'boolean' },
      json: { type: 'boolean' },
    } }));
  } catch (err) {
    if (isParseArgsError(err)) throw new UsageError(`local: ${err.message}`);
    throw err;
  }
  const buckets = values.bucket ?? [];
  for (const b of buckets) {
    if (!isBucketName(b)) throw new UsageError(`--bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens), got ${JSON.stringify(b)}`);
  }
  if (values['no-redshift'] && values['redshift-port'] !== undefined) throw new UsageError('--redshift-port and --no-redshift do not go together');
  if (values.dir === '') throw new UsageError('--dir must name a folder');
  return {
    dir: values.dir,
    buckets: [...new Set(buckets)],
    kinesisPort: port('kinesis-port', values['kinesis-port']),
    s3Port: port('s3-port', values['s3-port']),
    redshiftPort: port('redshift-port', values['redshift-port']),
    redshift: !values['no-redshift'],
    json: Boolean(values.json),
  };
}

function port(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n <= 65535)) throw new UsageError(`--${name} must be a port number (0 to 65535; 0 picks a free port), got ${JSON.stringify(value)}`);
  return n;
}

function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** Runs the command until SIGINT or SIGTERM; resolves once every stand-in is closed. */
export async function runLocal(args: string[]): Promise<void> {
  const options = parseLocalArgs(args);
  const signal = nextSignal();
  const tempDir = options.dir === undefined ? await mkdtemp(join(tmpdir(), 'kinesis-connectors-local-')) : undefined;
  let stack: LocalStack | undefined;
  try {
    const s3Directory = tempDir === undefined ? resolve(options.dir!) : join(tempDir, 's3');
    await mkdir(s3Directory, { recursive: true });
    let redshiftSkipped: string | undefined;
    if (!options.redshift) redshiftSkipped = 'not started (--no-redshift)';
    else {
      const why = await checkPostgres(DATABASE_URL);
      if (why) redshiftSkipped = `not started: PostgreSQL at ${redactUrl(DATABASE_URL)} does not answer (${why}); start it or set DATABASE_URL, or pass --no-redshift`;
    }
    stack = await startLocalStack({
      s3Directory, buckets: options.buckets, kinesisPort: options.kinesisPort, s3Port: options.s3Port,
      redshiftPort: options.redshiftPort, redshift: redshiftSkipped === undefined ? { database: DATABASE_URL } : false,
    });
    const endpoints = describeEndpoints(stack, { s3Directory, removedOnExit: tempDir !== undefined, buckets: options.buckets, redshiftSkipped });
    process.stdout.write(options.json ? `${JSON.stringify(endpoints)}\n` : formatEndpoints(endpoints));
    const received = await signal.promise;
    process.stderr.write(`kinesis-connectors: ${received} received; stopping the stand-ins\n`);
  } finally {
    signal.dispose();
    try {
      await stack?.close();
    } finally {
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    }
  }
}

/** The first SIGINT or SIGTERM. After it (or dispose) the listeners are gone, so a second signal ends the process as usual. */
function nextSignal(): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const on = (s: NodeJS.Signals) => {
      dispose();
      resolve(s);
    };
    dispose = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { promise, dispose: () => dispose() };
}

function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.href;
}

export function describeEndpoints(stack: LocalStack, o: { s3Directory: string; removedOnExit: boolean; buckets: string[]; redshiftSkipped?: string }): LocalEndpoints {
  const redshift = stack.redshift ? withoutPassword(stack.redshift.connectionString) : null;
  const env: Record<string, string> = { AWS_REGION: LOCAL_REGION, KINESIS_ENDPOINT: stack.kinesis.endpoint, S3_ENDPOINT: stack.s3.endpoint };
  if (redshift) env.REDSHIFT_URL = redshift;
  return {
    kinesis: stack.kinesis.endpoint, s3: stack.s3.endpoint, redshift,
    ...(o.redshiftSkipped === undefined ? {} : { redshiftSkipped: o.redshiftSkipped }),
    s3Directory: o.s3Directory, s3DirectoryRemovedOnExit: o.removedOnExit, buckets: o.buckets, env,
  };
}

/**
 * The human-readable form: a `<name> <endpoint>` line per running stand-in, `export NAME=value`
 * lines for the environment, and comment lines (`# …`) for everything else.
 */
export function formatEndpoints(e: LocalEndpoints): string {
  const lines = [`kinesis ${e.kinesis}`, `s3 ${e.s3}`];
  if (e.redshift) lines.push(`redshift ${e.redshift}`);
  lines.push(`# s3: objects in ${e.s3Directory} (${e.s3DirectoryRemovedOnExit ? 'removed on exit' : 'kept'}); `
    + (e.buckets.length > 0 ? `buckets: ${e.buckets.join(', ')}` : 'no buckets yet (--bucket <name> creates one at start)'));
  if (e.redshift) {
    lines.push(`# redshift: PostgreSQL at ${redactUrl(DATABASE_URL)} behind the stand-in; COPY ... FROM 's3://...' reads the embedded S3`);
    if (new URL(DATABASE_URL).password) lines.push('# redshift: its password is that of DATABASE_URL (not printed)');
  } else {
    lines.push(`# redshift: ${e.redshiftSkipped}`);
  }
  lines.push('# environment for kinesis-connectors and the example configs:');
  for (const [name, value] of Object.entries(e.env)) lines.push(`export ${name}=${value}`);
  lines.push('# credentials: none needed. Against 127.0.0.1 endpoints kinesis-connectors uses placeholder keys when no AWS '
    + 'credentials are configured; other AWS clients need some, and any will do (AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local)');
  lines.push('# running until SIGINT (Ctrl-C) or SIGTERM');
  return `${lines.join('\n')}\n`;
}
