// The Redshift manifest pipeline of the original README, end to end in one process: an embedded
// Kinesis and S3, the local Redshift stand-in (PostgreSQL at DATABASE_URL behind a small proxy that
// runs Redshift's COPY from the local S3), click events in, rows out. The tables are created in a
// schema of this run's own, dropped at the end (kept with --keep); nothing else in the database is
// touched. Checkpoints go to a temporary file, never to a Redis of the user's.
//   npm run example:redshift-manifest [-- --records N] [-- --keep]
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createStream } from '../../src/aws/create-stream.js';
import { DATABASE_URL, checkPostgres, putClicks, startLocalStack } from '../../src/local/index.js';
import { createConsoleLogger } from '../../src/core/logger.js';
import { quoteIdent } from '../../src/emitters/sql.js';
import { Pipeline } from '../../src/supervisor/pipeline.js';
import type { PipelineOptions } from '../../src/config/config.js';
import { redactUrl } from '../../src/config/config.js';
import { createExampleTables } from './tables.js';

/** The example's source folder (its config modules are plain JavaScript, loaded as a user would). */
export const EXAMPLE_DIR = new URL('../../../examples/redshift-manifest/', import.meta.url).pathname;

export async function loadStages(): Promise<{ stage1: PipelineOptions; stage2: PipelineOptions }> {
  const stage1 = (await import(join(EXAMPLE_DIR, 'stage1.config.js')) as { default: PipelineOptions }).default;
  const stage2 = (await import(join(EXAMPLE_DIR, 'stage2.config.js')) as { default: PipelineOptions }).default;
  return { stage1, stage2 };
}

interface Settings {
  kinesis: Record<string, string | number>;
  redshift: Record<string, string>;
  s3: { bucket: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '5000' }, keep: { type: 'boolean', default: false } } });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 1) throw new Error(`--records must be a positive integer, got ${JSON.stringify(values.records)}`);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const down = await checkPostgres(DATABASE_URL);
  if (down) throw new Error(`PostgreSQL at ${redactUrl(DATABASE_URL)} does not answer (${down}); start it or set DATABASE_URL`);
  const tmp = await mkdtemp(join(tmpdir(), 'kc-redshift-example-'));
  const stack = await startLocalStack({ s3Directory: join(tmp, 's3') });
  const redshift = stack.redshift!;
  const db = new pg.Client({ connectionString: redshift.connectionString });
  const pipelines: Pipeline[] = [];
  let dropTables: (() => Promise<void>) | undefined;
  try {
    await db.connect();
    const tables = await createExampleTables(db);
    if (!values.keep) dropTables = tables.drop;
    delete process.env.REDIS_URL;
    Object.assign(process.env, {
      KINESIS_ENDPOINT: stack.kinesis.endpoint, S3_ENDPOINT: stack.s3.endpoint, REDSHIFT_URL: redshift.connectionString,
      CHECKPOINT_FILE: join(tmp, 'checkpoints.json'), REDSHIFT_DATA_TABLE: tables.dataTable, REDSHIFT_FILE_TABLE: tables.fileTable,
    });
    const { settings } = await import(join(EXAMPLE_DIR, 'settings.js')) as { settings: Settings };
    const { stage1, stage2 } = await loadStages();
    await stack.s3Client.send(new CreateBucketCommand({ Bucket: settings.s3.bucket }));
    await createStream(stack.kinesisClient, String(settings.kinesis.inputStream), Number(settings.kinesis.inputShardCount));
    await createStream(stack.kinesisClient, String(settings.kinesis.outputStream), Number(settings.kinesis.outputShardCount));
    say(`embedded Kinesis ${stack.kinesis.endpoint}, S3 ${stack.s3.endpoint}, local Redshift stand-in ${redshift.connectionString.replace(/\/\/[^@]*@/, '//')}`);
    say(`tables ${tables.dataTable} and ${tables.fileTable} in the new schema ${tables.schema}`);
    await putClicks(stack.kinesisClient, String(settings.kinesis.inputStream), records);
    say(`put ${records} click events on ${settings.kinesis.inputStream}; starting stage 1 (S3 + manifest stream) and stage 2 (COPY ... MANIFEST)`);
    const logger = createConsoleLogger('warn');
    for (const options of [stage1, stage2]) {
      const p = new Pipeline(options, { baseDir: EXAMPLE_DIR, logger });
      await p.start();
      pipelines.push(p);
    }
    const started = Date.now();
    let rows = 0;
    while (rows < records && Date.now() - started < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      rows = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(tables.dataTable)}`)).rows[0].n);
    }
    const files = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(tables.fileTable)}`)).rows[0].n);
    for (const p of pipelines.splice(0)) await p.stop();
    say('');
    say(`events put on the input stream   ${records}`);
    say(`rows in the data table           ${rows} (${tables.dataTable})`);
    say(`files in the file table          ${files}, each loaded once (${tables.fileTable})`);
    say(`COPY ... MANIFEST statements     ${redshift.copies.length}`);
    say(`took                             ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (values.keep) say(`kept the schema ${tables.schema}; drop it with: DROP SCHEMA ${tables.schema} CASCADE`);
    if (rows !== records) process.exitCode = 1;
  } finally {
    for (const p of pipelines) await p.stop();
    if (dropTables) {
      await dropTables();
      say(`dropped the tables and the schema this run created`);
    }
    await db.end().catch(() => undefined);
    await stack.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
