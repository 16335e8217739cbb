// The Redshift manifest example end to end against kinesalite, s3rver and the local Redshift
// stand-in, with stage 2 killed (SIGKILL) after its COPY committed and before its checkpoint.
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { clickBytes } from '../src/local/click-events.js';
import { createStream } from '../src/aws/create-stream.js';
import { startLocalRedshift, type LocalRedshift } from '../src/local/local-redshift.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { EXAMPLE_DIR, loadStages } from '../examples/redshift-manifest/run-local.js';
import { createExampleTables } from '../examples/redshift-manifest/tables.js';
import { quoteIdent } from '../src/emitters/sql.js';
import { REDIS_URL, redisGet, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger } from './helpers/pipeline-options.js';

const CLI = new URL('../src/cli/main.js', import.meta.url).pathname;

let env: Env;
let redshift: LocalRedshift;
test.before(async () => {
  env = await startEnv('clicks-archive');
  redshift = await startLocalRedshift({ s3Client: env.s3Client });
});
test.after.always(async () => {
  await redshift?.close();
  await env?.close();
});

function runStage2(extraEnv: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, 'run', join(EXAMPLE_DIR, 'stage2.config.js'), ...args],
    { env: { ...process.env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

test('N events in, exactly N rows, each file once, even when stage 2 dies between COPY and checkpoint', async (t) => {
  const n = 2500;
  const db = new pg.Client({ connectionString: redshift.connectionString });
  await db.connect();
  // The example's own tables, in a schema it creates (and drops: only what it created).
  const tables = await createExampleTables(db);
  t.teardown(async () => {
    await tables.drop();
    await db.end();
  });
  const names = {
    PIPELINE_NAME: uniqueName('example'), INPUT_STREAM: uniqueName('clicks'), OUTPUT_STREAM: uniqueName('manifest'),
    REDSHIFT_DATA_TABLE: tables.dataTable, REDSHIFT_FILE_TABLE: tables.fileTable,
  };
  const vars = { ...names, KINESIS_ENDPOINT: env.kinesis.endpoint, S3_ENDPOINT: env.s3.endpoint, REDSHIFT_URL: redshift.connectionString, REDIS_URL };
  Object.assign(process.env, vars);
  const { stage1 } = await loadStages();
  await createStream(env.kinesisClient, names.INPUT_STREAM, 2);
  await createStream(env.kinesisClient, names.OUTPUT_STREAM, 1);
  for (let start = 0; start < n; start += 500) {
    await env.kinesisClient.send(new PutRecordsCommand({ StreamName: names.INPUT_STREAM,
      Records: Array.from({ length: 500 }, (_, k) => ({ Data: clickBytes(start + k), PartitionKey: `user-${start + k}` })) }));
  }
  const rows = async () => Number((await db.query(`SELECT count(*) AS n FROM ${quoteIdent(tables.dataTable)}`)).rows[0].n);
  const files = async () => (await db.query(`SELECT file FROM ${quoteIdent(tables.fileTable)} ORDER BY file`)).rows.map((r) => r.file as string);

  const first = new Pipeline(stage1, { baseDir: EXAMPLE_DIR, logger: captureLogger() });
  await first.start();
  // Stage 2 commits its checkpoint only every 10 minutes, so SIGKILL lands after COPY, before checkpoint.
  const killed = runStage2({ STAGE2_CHECKPOINT_INTERVAL_MS: '600000' });
  await waitFor(async () => (await rows()) >= n, 60_000, 'every row loaded by the first stage-2 process');
  killed.child.kill('SIGKILL');
  t.is((await killed.exited).signal, 'SIGKILL');
  await waitFor(() => first.isIdle(300), 30_000, 'stage 1 idle');
  await first.stop();
  t.is(await redisGet(`${names.PIPELINE_NAME}:checkpoint:${names.OUTPUT_STREAM}:shardId-000000000000`), null, 'no stage-2 checkpoint before the kill');
  const copiesBefore = redshift.copies.length;
  const loadedFiles = await files();

  // Restarted stage 2 re-reads the manifest stream from the start and re-emits every batch: the file
  // table in the COPY's transaction keeps every file from loading twice.
  const rerun = runStage2({}, ['--idle-exit', '1500']);
  const { code, stderr } = await rerun.exited;
  t.is(code, 0, stderr);
  t.is(await rows(), n, 'exactly N rows');
  const after = await files();
  t.deepEqual(after, loadedFiles, 'the same files, each once');
  t.is(new Set(after).size, after.length);
  t.true(after.every((f) => f.startsWith('s3://clicks-archive/clicks/')));
  const manifests = redshift.copies.filter((c) => c.manifest).map((c) => c.from);
  t.true(manifests.length > 0 && manifests.every((m) => m.startsWith('s3://clicks-archive/redshift/manifests/')),
    'the manifests under a prefix of their own, apart from the data files');
  t.is(redshift.copies.length, copiesBefore, 'no COPY ran again');
  t.not(await redisGet(`${names.PIPELINE_NAME}:checkpoint:${names.OUTPUT_STREAM}:shardId-000000000000`), null, 'checkpointed after the rerun');
  const ids = (await db.query(`SELECT count(DISTINCT id) AS n FROM ${quoteIdent(tables.dataTable)}`)).rows[0].n;
  t.is(Number(ids), n);
});
