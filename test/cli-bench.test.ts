// `kinesis-connectors bench`, run as the real CLI in a child process: on a sample file, on a
// transform that throws on every record, on bad arguments, and on a sample read from a real
// (embedded) stream, which must not be checkpointed; and the rules of its suggestions.
import test from 'ava';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStream } from '../src/aws/create-stream.js';
import type { BenchReport } from '../src/cli/bench-command.js';
import { shardLimit } from '../src/cli/bench/measure-pipeline.js';
import { suggestThreads, suggestWindow, windowSizesToTry } from '../src/cli/bench/measure-transform.js';
import { ids, produce, startEnv, uniqueName, type Env } from './helpers/components.js';
import { fixture, writeConfigFile } from './helpers/pipeline-options.js';
import { cli } from './helpers/run-cli.js';

// The sample is a source file (tsc copies no .ndjson): 50 lines, every 10th marked { drop: true }.
const SAMPLE = new URL('../../test/fixtures/bench-sample.ndjson', import.meta.url).pathname;
const SAMPLE_LINES = 50;
const SAMPLE_DROPS = 5;

let tmp: string;
test.before(async () => { tmp = await mkdtemp(join(tmpdir(), 'kc-bench-test-')); });
test.after.always(async () => { await rm(tmp, { recursive: true, force: true }); });

function config(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  return writeConfigFile(tmp, name, {
    app: name, stream: name,
    transform: { module: fixture('transform-tag.js'), windowRecords: 250 },
    checkpoint: { file: join(tmp, name, 'checkpoints.json') },
    emitter: { type: 'file', dir: join(tmp, name, 'out') },
    deadLetter: { dir: join(tmp, name, 'dead-letter') },
    ...extra,
  });
}

const positive = (n: number) => Number.isFinite(n) && n > 0;

test('bench --from --e2e --json: rates at every thread count, suggestions in range, every record accounted for', async (t) => {
  const file = await config('from-file');
  const run = await cli(['bench', file, '--from', SAMPLE, '--records', '2000', '--e2e', '--shards', '2', '--json']);
  t.is(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as BenchReport;
  const cores = availableParallelism();
  t.is(r.machine.cores, cores);
  t.is(r.machine.node, process.version);
  t.like(r.sample, { read: SAMPLE_LINES, records: 2000 });
  t.deepEqual(r.sample.source, { type: 'file', path: SAMPLE });
  const tr = r.transform!;
  t.is(tr.module, fixture('transform-tag.js'));
  t.deepEqual(tr.tally, { records: 2000, emitted: 2000 - 2000 / SAMPLE_LINES * SAMPLE_DROPS, filtered: 2000 / SAMPLE_LINES * SAMPLE_DROPS, failed: 0 });
  t.true(positive(tr.singleThreadRps));
  t.deepEqual(tr.threads.map((f) => f.threads), Array.from({ length: cores }, (_, i) => i + 1));
  for (const f of tr.threads) {
    t.true(positive(f.rps), `rps at ${f.threads} threads: ${f.rps}`);
    t.is(f.efficiency, f.rps / (f.threads * tr.singleThreadRps));
  }
  t.true(tr.suggested.threads >= 1 && tr.suggested.threads <= cores);
  const sizes = tr.windows.map((w) => w.windowRecords);
  t.true(sizes.includes(250), 'the configured window size is measured');
  t.true(sizes.includes(tr.suggested.windowRecords));
  for (const w of tr.windows) t.true(positive(w.rps));
  const e = r.e2e!;
  t.is(e.records, 2000);
  t.is(e.shards, 2);
  t.is(e.emitted + e.filtered + e.deadLettered, 2000);
  t.is(e.filtered, 2000 / SAMPLE_LINES * SAMPLE_DROPS);
  for (const v of [e.rps, e.cpuMicrosPerRecord, e.peakRssMB, e.shardsPerProcess]) t.true(positive(v));
  // Records of ~40 bytes hit a shard's 1,000 records/s before its 1 MiB/s.
  t.like(e.shardLimit, { rps: 1000, limitedBy: 'records' });
  t.is(e.shardsPerProcess, e.rps / 1000);
  // The config's own checkpoint file and output are not touched.
  await t.throwsAsync(access(join(tmp, 'from-file', 'checkpoints.json')));
  await t.throwsAsync(access(join(tmp, 'from-file', 'out')));
});

test('bench prints a table with the machine, the rates per thread count and the suggestions', async (t) => {
  const file = await config('table');
  const run = await cli(['bench', file, '--from', SAMPLE, '--records', '1000']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`machine: ${availableParallelism()} cores .*Node ${process.version.replace(/\./g, '\\.')}`));
  t.regex(run.stdout, /main thread +[\d,]+ +1\.00/);
  for (let n = 1; n <= availableParallelism(); n++) t.regex(run.stdout, new RegExp(`pool ${n} +[\\d,]+ +\\d+\\.\\d\\d`));
  t.regex(run.stdout, /suggested: transform\.threads \d+ /);
  t.regex(run.stdout, /transform\.windowRecords [\d,]+ \(/);
});

test('a transform that throws on every record is reported as such, with no rate', async (t) => {
  const poison = join(tmp, 'poison.ndjson');
  await writeFile(poison, ids('p', 20).map((id) => JSON.stringify({ id, poison: true })).join('\n') + '\n');
  const file = await config('throws', { transform: { module: fixture('transform-throws.js') } });
  const run = await cli(['bench', file, '--from', poison, '--records', '2000', '--e2e', '--json']);
  t.is(run.code, 1);
  t.is(run.stdout, '');
  // Found on the main thread before the pipeline (--e2e) runs.
  t.notRegex(run.stderr, /whole pipeline/);
  t.regex(run.stderr, /every one of the 2000 sample records threw in the transform module .*transform-throws\.js \(the first: RangeError: poison record p-0\); no rate is reported/);
});

test('without a transform module there is nothing to benchmark in the transform, and --e2e still runs', async (t) => {
  const file = await config('no-module', { transform: {} });
  const run = await cli(['bench', file, '--from', SAMPLE, '--records', '500', '--e2e', '--json']);
  t.is(run.code, 0, run.stderr);
  const r = JSON.parse(run.stdout) as BenchReport;
  t.is(r.transform, null);
  t.regex(r.notes.join('\n'), /names no transform\.module.*no transform to benchmark/);
  t.is(r.e2e!.emitted, 500);
});

test('bench usage errors exit 2 with the usage; a missing sample file exits 1 naming it', async (t) => {
  const file = await config('usage');
  const unknown = await cli(['bench', file, '--frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /--frobnicate/);
  t.regex(unknown.stderr, /Usage:[\s\S]*kinesis-connectors bench <config\.json\|config\.js>/);
  const records = await cli(['bench', file, '--records', 'many']);
  t.is(records.code, 2);
  t.regex(records.stderr, /--records must be a positive integer, got "many"/);
  const shards = await cli(['bench', file, '--shards', '2']);
  t.is(shards.code, 2);
  t.regex(shards.stderr, /--shards applies only with --e2e/);
  const missing = join(tmp, 'no-such-sample.ndjson');
  const run = await cli(['bench', file, '--from', missing]);
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`the sample file ${missing.replace(/[.]/g, '\\.')} could not be read: ENOENT`));
});

test.serial('bench reads its sample from the stream without checkpointing, and names an unreachable one', async (t) => {
  let env: Env | undefined;
  try {
    env = await startEnv();
    const stream = uniqueName('bench-stream');
    await createStream(env.kinesisClient, stream, 2);
    await produce(env.kinesisClient, stream, ids('r', 300));
    const file = await config(stream, { kinesis: { endpoint: env.kinesis.endpoint } });
    const run = await cli(['bench', file, '--records', '250', '--json']);
    t.is(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as BenchReport;
    t.like(r.sample.source, { type: 'stream', stream, shards: 2 });
    t.is(r.sample.source.type === 'stream' && r.sample.source.endpoint.replace(/\/$/, ''), env.kinesis.endpoint);
    t.like(r.sample, { read: 250, records: 250 });
    t.is(r.transform!.tally.records, 250);
    t.is(r.transform!.tally.emitted, 250);
    // A stream holding fewer records than asked for is read to its end, and the sample cycled.
    const all = await cli(['bench', file, '--records', '1000', '--json']);
    t.is(all.code, 0, all.stderr);
    t.like((JSON.parse(all.stdout) as BenchReport).sample, { read: 300, records: 1000 });
    await t.throwsAsync(access(join(tmp, stream, 'checkpoints.json')), undefined, 'the checkpoint store was written');
    const unreachable = await config(uniqueName('unreachable'), { stream, kinesis: { endpoint: 'http://127.0.0.1:1', maxAttempts: 1 } });
    const down = await cli(['bench', unreachable, '--records', '10']);
    t.is(down.code, 1);
    t.regex(down.stderr, new RegExp(`could not read a sample from stream ${stream} at http://127\\.0\\.0\\.1:1/?: .*--from <sample\\.ndjson>`));
    t.is(down.stderr.trim().split('\n').filter((l) => !l.startsWith('bench: ')).length, 1, down.stderr);
  } finally {
    await env?.close();
  }
});

test('the suggestions: the fewest threads within 90% of the best; the configured window unless another is more than 5% faster', (t) => {
  const threads = [{ threads: 1, rps: 100, efficiency: 1 }, { threads: 2, rps: 185, efficiency: 0.93 }, { threads: 3, rps: 200, efficiency: 0.67 }, { threads: 4, rps: 190, efficiency: 0.48 }];
  t.is(suggestThreads(threads), 2);
  t.is(suggestThreads([{ threads: 1, rps: 100, efficiency: 1 }]), 1);
  t.deepEqual(suggestWindow([{ windowRecords: 100, rps: 100 }, { windowRecords: 500, rps: 97 }, { windowRecords: 2000, rps: 90 }], 500), { windowRecords: 500, withinNoise: true });
  t.deepEqual(suggestWindow([{ windowRecords: 100, rps: 100 }, { windowRecords: 500, rps: 94 }], 500), { windowRecords: 100, withinNoise: false });
  t.deepEqual(suggestWindow([{ windowRecords: 100, rps: 90 }, { windowRecords: 500, rps: 100 }], 500), { windowRecords: 500, withinNoise: false });
  // Sizes that leave a thread fewer than 2 windows of the sample are not tried; the configured one always is.
  t.deepEqual(windowSizesToTry(250, 2000, 2), [100, 250, 500]);
  t.deepEqual(windowSizesToTry(500, 20_000, 2), [100, 500, 2000]);
  t.deepEqual(windowSizesToTry(10_000, 100, 1), [10_000]);
});

test("a shard's write limit: 1,000 records/s, or 1 MiB/s for records over 1 KiB", (t) => {
  t.deepEqual(shardLimit(200), { rps: 1000, limitedBy: 'records', meanRecordBytes: 200 });
  t.deepEqual(shardLimit(4096), { rps: 256, limitedBy: 'bytes', meanRecordBytes: 4096 });
});
