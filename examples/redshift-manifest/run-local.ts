// The Redshift manifest pipeline of the original README, end to end on one machine: an embedded
// Kinesis and S3, the local Redshift stand-in (PostgreSQL at DATABASE_URL behind a small proxy that
// runs Redshift's COPY from the local S3), click events in, rows out.
//   npm run example:redshift-manifest [-- --records N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { clickBytes } from '../../src/local/click-events.js';
import { createStream } from '../../src/aws/create-stream.js';
import { createKinesisClient } from '../../src/aws/kinesis-client.js';
import { startLocalKinesis, startLocalS3 } from '../../src/local/emulators.js';
import { startLocalRedshift } from '../../src/local/local-redshift.js';
import { createConsoleLogger } from '../../src/core/logger.js';
import { Pipeline } from '../../src/supervisor/pipeline.js';
import { createFileTableSql } from '../../src/emitters/redshift/redshift-basic-emitter.js';
import { createS3Client } from '../../src/aws/s3-client.js';
import type { PipelineOptions } from '../../src/config/config.js';

/** The example's source folder (its config modules are plain JavaScript, loaded as a user would). */
export const EXAMPLE_DIR = new URL('../../../examples/redshift-manifest/', import.meta.url).pathname;

export async function loadStages(): Promise<{ stage1: PipelineOptions; stage2: PipelineOptions }> {
  const stage1 = (await import(join(EXAMPLE_DIR, 'stage1.config.js')) as { default: PipelineOptions }).default;
  const stage2 = (await import(join(EXAMPLE_DIR, 'stage2.config.js')) as { default: PipelineOptions }).default;
  return { stage1, stage2 };
}

/** The tables the example loads: the data table and the file table (one `file` column). */
export function tablesSql(dataTable: string, fileTable: string): string[] {
  return [
    `DROP TABLE IF EXISTS "${dataTable}"`,
    `DROP TABLE IF EXISTS "${fileTable}"`,
    `CREATE TABLE "${dataTable}" (id varchar(64) NOT NULL, user_id varchar(64), url varchar(2048), ts bigint)`,
    createFileTableSql(fileTable),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string', default: '5000' } } });
  const records = Number(values.records);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const tmp = await mkdtemp(join(tmpdir(), 'kc-redshift-example-'));
  const kinesis = await startLocalKinesis();
  const s3 = await startLocalS3(join(tmp, 's3'), ['clicks-archive']);
  const s3Client = createS3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
  const redshift = await startLocalRedshift({ s3Client });
  const client = createKinesisClient({ region: 'us-east-1', endpoint: kinesis.endpoint });
  Object.assign(process.env, {
    KINESIS_ENDPOINT: kinesis.endpoint, S3_ENDPOINT: s3.endpoint, REDSHIFT_URL: redshift.connectionString,
    CHECKPOINT_FILE: join(tmp, 'checkpoints.json'),
  });
  const { settings } = await import(join(EXAMPLE_DIR, 'settings.js')) as { settings: { kinesis: Record<string, string | number>; redshift: Record<string, string> } };
  const { stage1, stage2 } = await loadStages();
  const db = new pg.Client({ connectionString: redshift.connectionString });
  const pipelines: Pipeline[] = [];
  try {
    await db.connect();
    for (const sql of tablesSql(settings.redshift.dataTable, settings.redshift.fileTable)) await db.query(sql);
    await createStream(client, String(settings.kinesis.inputStream), Number(settings.kinesis.inputShardCount));
    await createStream(client, String(settings.kinesis.outputStream), Number(settings.kinesis.outputShardCount));
    say(`embedded Kinesis ${kinesis.endpoint}, S3 ${s3.endpoint}, local Redshift stand-in ${redshift.connectionString.replace(/\/\/[^@]*@/, '//')}`);
    for (let start = 0; start < records; start += 500) {
      const entries = Array.from({ length: Math.min(500, records - start) }, (_, k) => ({ Data: clickBytes(start + k), PartitionKey: `user-${start + k}` }));
      await client.send(new PutRecordsCommand({ StreamName: String(settings.kinesis.inputStream), Records: entries }));
    }
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
      rows = Number((await db.query(`SELECT count(*) AS n FROM "${settings.redshift.dataTable}"`)).rows[0].n);
    }
    const files = Number((await db.query(`SELECT count(*) AS n FROM "${settings.redshift.fileTable}"`)).rows[0].n);
    for (const p of pipelines.splice(0)) await p.stop();
    say('');
    say(`events put on the input stream   ${records}`);
    say(`rows in ${settings.redshift.dataTable.padEnd(25)} ${rows}`);
    say(`files in ${settings.redshift.fileTable.padEnd(24)} ${files} (each loaded once)`);
    say(`COPY ... MANIFEST statements     ${redshift.copies.length}`);
    say(`took                             ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (rows !== records) process.exitCode = 1;
  } finally {
    for (const p of pipelines) await p.stop();
    await db.end().catch(() => undefined);
    client.destroy();
    await redshift.close();
    s3Client.destroy();
    await s3.close();
    await kinesis.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
