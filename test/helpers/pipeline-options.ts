// Pipeline options for the integration tests: real kinesalite, s3rver and Redis, short timers.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineOptions } from '../../src/config/config.js';
import type { Logger } from '../../src/core/logger.js';
import { Pipeline } from '../../src/supervisor/pipeline.js';
import { REDIS_URL, waitFor, type Env } from './components.js';

export function fixture(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}

export function testOptions(env: Env, app: string, stream: string, extra: Partial<PipelineOptions> = {}): PipelineOptions {
  return {
    app,
    stream,
    kinesis: { endpoint: env.kinesis.endpoint },
    checkpoint: { redis: REDIS_URL, intervalMs: 100 },
    transform: { module: fixture('transform-tag.js'), threads: 2, windowRecords: 250 },
    buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 200 },
    emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true },
    deadLetter: { dir: join(env.tmp, stream, 'dead-letter') },
    reader: { pollIntervalMs: 100 },
    shards: { discoveryIntervalMs: 300 },
    restart: { baseMs: 50, maxMs: 500 },
    shutdownTimeoutMs: 15_000,
    ...extra,
  };
}

export interface CapturedLog {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every line for assertions (and prints errors when KC_TEST_LOG is set). */
export function captureLogger(): Logger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  const make = (level: string) => (fields: object, msg = '') => {
    lines.push({ level, msg, fields: fields as Record<string, unknown> });
    if (process.env.KC_TEST_LOG) process.stderr.write(`${level} ${msg} ${JSON.stringify(fields)}\n`);
  };
  return { lines, debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/** Writes `config` as `<root>/configs/<name>/config.json` (as a user's config file) and returns its path. */
export async function writeConfigFile(root: string, name: string, config: unknown): Promise<string> {
  const dir = join(root, 'configs', name);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'config.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Replays `lines` of each shard (written to `<dir>/in/<shard>.ndjson`) through a pipeline over the
 * files source, with file checkpoints in `dir`, until every shard has ended; its final stats and
 * the checkpoint file's contents.
 */
export async function replayFiles(dir: string, lines: Record<string, string[]>, extra: Pick<PipelineOptions, 'emitter' | 'buffer'>) {
  const input = join(dir, 'in');
  await mkdir(input, { recursive: true });
  for (const [shard, shardLines] of Object.entries(lines)) await writeFile(join(input, `${shard}.ndjson`), shardLines.join('\n') + '\n');
  const pipeline = new Pipeline({
    app: 'replay', stream: 'files',
    source: { type: 'files', dir: input },
    checkpoint: { file: join(dir, 'checkpoints.json'), intervalMs: 100 },
    transform: { module: fixture('transform-tag.js'), threads: 2 },
    deadLetter: { dir: join(dir, 'dead') },
    ...extra,
  }, { logger: captureLogger() });
  await pipeline.start();
  await waitFor(() => pipeline.stats().shards.finished === Object.keys(lines).length, 30_000, 'every shard finished');
  const stats = await pipeline.stop();
  return { stats, checkpoints: JSON.parse(await readFile(join(dir, 'checkpoints.json'), 'utf8')) as Record<string, string> };
}
