// Raw records holding newlines, no transform module: the stored objects split back into exactly
// the records that were put, with the default "lines" framing (files) and with "base64" (S3).
import test from 'ava';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import { WRITE_CHECK_NAME } from '../src/emitters/emitter.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { unframeRaw, type RawFraming } from '../src/transform/raw-framing.js';
import { startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { filesUnder } from './helpers/files-under.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** 300 records, a third of them with newlines (one ends with one, one is nothing but newlines). */
function hostileRecords(): Buffer[] {
  return Array.from({ length: 300 }, (_, i) => {
    if (i % 3 === 0) return Buffer.from(`{"id":${i},\n"text":"line one\nline two"}`);
    if (i % 3 === 1) return Buffer.from(i % 2 === 0 ? `record ${i}\n` : `record ${i}\r\n\n`);
    return Buffer.from(`{"id":${i}}`);
  });
}

async function put(stream: string, records: Buffer[]): Promise<void> {
  for (let start = 0; start < records.length; start += 100) {
    const res = await env.kinesisClient.send(new PutRecordsCommand({
      StreamName: stream, Records: records.slice(start, start + 100).map((Data, i) => ({ Data, PartitionKey: `pk-${start + i}` })),
    }));
    if (res.FailedRecordCount) throw new Error('PutRecords failed some records');
  }
}

async function run(stream: string, n: number, extra: Parameters<typeof testOptions>[3]): Promise<void> {
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, extra), { logger: captureLogger() });
  await pipeline.start();
  try {
    await waitFor(() => pipeline.stats().recordsEmitted >= n && pipeline.isIdle(300), 60_000, `${n} records emitted`);
  } finally {
    await pipeline.stop();
  }
}

const sorted = (records: Buffer[]) => records.map((b) => b.toString('base64')).sort();

function splitBack(objects: Buffer[], framing: RawFraming): Buffer[] {
  return objects.flatMap((o) => {
    if (o.at(-1) !== 0x0a) throw new Error('an object does not end with a newline');
    return unframeRaw(o.subarray(0, -1), framing);
  });
}

test.serial('no transform, default framing: the batch files split back into exactly the records put', async (t) => {
  const stream = uniqueName('raw-lines');
  await createStream(env.kinesisClient, stream, 2);
  const records = hostileRecords();
  await put(stream, records);
  const dir = join(env.tmp, stream, 'output');
  await run(stream, records.length, { transform: { threads: 1 }, emitter: { type: 'file', dir } });
  const files = await filesUnder(dir);
  t.true(files.length >= 2, 'one file per batch, from both shards');
  const objects = await Promise.all(files.map((f) => readFile(join(dir, f))));
  const back = splitBack(objects, 'lines');
  t.is(back.length, records.length);
  t.deepEqual(sorted(back), sorted(records));
  const plain = objects.flatMap((o) => o.toString('utf8').slice(0, -1).split('\n')).filter((l) => !l.startsWith('base64:'));
  t.is(plain.length, 100, 'records that are one UTF-8 line are stored as they are');
});

test.serial('no transform, rawFraming "base64" into S3: every object splits back into exactly the records put', async (t) => {
  const stream = uniqueName('raw-base64');
  await createStream(env.kinesisClient, stream, 2);
  const records = hostileRecords();
  await put(stream, records);
  await run(stream, records.length, { transform: { threads: 1, rawFraming: 'base64' } });
  const listed = await env.s3Client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: `${stream}/` }));
  const batches = (listed.Contents ?? []).filter((o) => !o.Key!.endsWith(WRITE_CHECK_NAME)); // not the start-up check's probe
  const objects = await Promise.all(batches.map(async (o) => {
    const got = await env.s3Client.send(new GetObjectCommand({ Bucket: env.bucket, Key: o.Key! }));
    return Buffer.from(await got.Body!.transformToByteArray());
  }));
  t.true(objects.length >= 2);
  const back = splitBack(objects, 'base64');
  t.deepEqual(sorted(back), sorted(records));
});
