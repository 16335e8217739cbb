import test from 'ava';
import type { Piscina } from 'piscina';
import { outputBytes, sequenceNumberOf, type TransformResult } from '../src/core/records.js';
import { mergeHalves } from '../src/transform/merge-results.js';
import { TransformRelay, startTransformPool } from '../src/transform/pool-relay.js';
import { packWindow, sliceWindow } from '../src/transform/record-window.js';
import { captureLogger, fixture } from './helpers/pipeline-options.js';

const WORKERS = new URL('../workers/', import.meta.url);
const RECORDS = 40;
const BAD = 23;

function windowOf(count: number, bad: number) {
  return packWindow('shardId-000000000009', Array.from({ length: count }, (_, i) => ({
    data: Buffer.from(JSON.stringify(i === bad ? { id: `r-${i}`, bad: true } : { id: `r-${i}` })),
    sequenceNumber: String(5000 + i), partitionKey: `pk-${i}`, arrival: 1_700_000_000_000 + i,
  })));
}

function outputs(r: TransformResult): string[] {
  const text = outputBytes(r).toString();
  return Array.from({ length: r.offsets.length - 1 }, (_, j) => text.slice(r.offsets[j], r.offsets[j + 1] - 1));
}

test('a sliced window merged back from its halves is the window', async (t) => {
  const pool = await startTransformPool({ threads: 1, module: fixture('transform-tag.js'), loadTimeoutMs: 30_000, workers: WORKERS });
  t.teardown(() => pool.destroy());
  const relay = new TransformRelay(pool, 5000);
  const w = windowOf(9, -1);
  const whole = await relay.run(w);
  const merged = mergeHalves(await relay.run(sliceWindow(w, 0, 4)), await relay.run(sliceWindow(w, 4, 9)), 4, w);
  t.deepEqual(outputs(merged), outputs(whole));
  t.deepEqual([...merged.keptIndex], [...whole.keptIndex]);
  t.deepEqual(Array.from({ length: 9 }, (_, i) => sequenceNumberOf(merged, i)), Array.from({ length: 9 }, (_, i) => String(5000 + i)));
});

const cases = [
  { module: 'transform-hangs-on-one.js', name: 'TRANSFORM_TIMEOUT', message: /^the transform did not finish within transform\.timeoutMs \(300 ms\)$/, dies: false },
  { module: 'transform-exits-on-one.js', name: 'THREAD_EXIT', message: /^the transform thread exited with code 3$/, dies: true },
  { module: 'transform-crashes-async-on-one.js', name: 'THREAD_EXIT', message: /^the transform thread died of an uncaught error: RangeError: async crash on r-23$/, dies: true },
];

for (const c of cases) {
  test.serial(`bisection isolates the one record of ${c.module} as ${c.name}; the others are transformed once, in order`, async (t) => {
    const pool: Piscina = await startTransformPool({ threads: 2, module: fixture(c.module), loadTimeoutMs: 30_000, workers: WORKERS });
    t.teardown(() => pool.destroy());
    const logger = captureLogger();
    const relay = new TransformRelay(pool, 300, logger);
    const r = await relay.run(windowOf(RECORDS, BAD));
    t.is(r.failures.length, 1);
    const [f] = r.failures;
    t.is(f.index, BAD);
    t.is(f.error.name, c.name);
    t.regex(f.error.message, c.message);
    t.deepEqual(JSON.parse(Buffer.from(f.dataBase64, 'base64').toString()), { id: `r-${BAD}`, bad: true });
    const others = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => i !== BAD);
    t.deepEqual(outputs(r).map((o) => (JSON.parse(o) as { id: string }).id), others.map((i) => `r-${i}`));
    t.deepEqual([...r.keptIndex], others);
    t.is(r.filtered, 0);
    t.is(sequenceNumberOf(r, BAD), String(5000 + BAD), 'the original window\'s keys come back');
    const extra = relay.poolCalls - 1;
    t.log(`${extra} extra pool calls for one bad record in a window of ${RECORDS}`);
    t.true(extra <= 2 * Math.ceil(Math.log2(RECORDS)), `${extra} extra pool calls`);
    t.is(logger.lines.filter((l) => l.level === 'warn' && l.msg.includes('bisecting')).length, 1);
    const isolated = logger.lines.filter((l) => l.level === 'error' && l.msg.includes('dead-letter'));
    t.is(isolated.length, 1);
    t.is(isolated[0].fields.sequenceNumber, String(5000 + BAD));
    t.is(isolated[0].fields.shardId, 'shardId-000000000009');
    t.regex(String(isolated[0].fields.cause), new RegExp(`^${c.name}: `));
    const deaths = logger.lines.filter((l) => l.level === 'error' && l.msg.includes('thread died'));
    t.is(deaths.length > 0, c.dies);
    // The pool is whole again: a clean window runs.
    t.is(outputs(await relay.run(windowOf(5, -1))).length, 5);
  });
}

test.serial('time waiting for a free pool thread does not count against transform.timeoutMs: queued windows are not bisected', async (t) => {
  const pool = await startTransformPool({ threads: 1, module: fixture('transform-sleeps.js'), loadTimeoutMs: 30_000, workers: WORKERS });
  t.teardown(() => pool.destroy());
  const logger = captureLogger();
  const relay = new TransformRelay(pool, 400, logger);
  // Ten windows of about 80 ms each on one thread: the last waits about 700 ms for it.
  const slow = () => packWindow('shardId-000000000009', Array.from({ length: 20 }, (_, i) => ({
    data: Buffer.from(JSON.stringify({ id: `q-${i}`, sleepMs: i === 0 ? 80 : 0 })), sequenceNumber: String(i), partitionKey: 'pk', arrival: 0,
  })));
  const results = await Promise.all(Array.from({ length: 10 }, () => relay.run(slow())));
  t.true(results.every((r) => r.failures.length === 0 && r.keptIndex.length === 20));
  t.is(relay.poolCalls, 10);
  t.false(logger.lines.some((l) => l.msg.includes('bisecting')));
});
