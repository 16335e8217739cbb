// Windows sized by the time the pool threads take per record (transform.windowTargetMs): the
// sizer on its own, then a shard actor cutting a response into windows of the learned size.
import test from 'ava';
import { MAX_WINDOW_RECORDS, WindowSizer } from '../src/actors/window-sizer.js';
import { response, shardRecords, startActor, until } from './helpers/fake-actor-deps.js';

test('until a window is timed, and always with a target of 0, windows hold windowRecords', (t) => {
  const sizer = new WindowSizer(500, 50);
  t.is(sizer.size, 500);
  sizer.observe(500, undefined); // a result put together by bisection carries no time
  t.is(sizer.size, 500);
  const fixed = new WindowSizer(500, 0);
  fixed.observe(500, 1);
  t.is(fixed.size, 500);
});

test('the size follows the time a record takes: about targetMs of work, between 1 and the maximum', (t) => {
  const light = new WindowSizer(500, 50);
  light.observe(500, 25); // 0.05 ms a record
  t.is(light.size, 1000);
  const heavy = new WindowSizer(500, 50);
  heavy.observe(500, 5000); // 10 ms a record: 500 records would take 5 s
  t.is(heavy.size, 5);
  const slowest = new WindowSizer(500, 50);
  slowest.observe(1, 60_000);
  t.is(slowest.size, 1);
  const free = new WindowSizer(500, 50);
  free.observe(500, 0);
  t.is(free.size, MAX_WINDOW_RECORDS);
  const capped = new WindowSizer(500, 50, 2000);
  capped.observe(500, 1);
  t.is(capped.size, 2000);
});

test('windows are weighted by their records, and older ones fade: a transform that slows down shrinks the windows', (t) => {
  const sizer = new WindowSizer(500, 50);
  sizer.observe(2, 2); // a tiny tail window at 1 ms a record...
  sizer.observe(1000, 50); // ...weighs little against 1,000 records at 0.05 ms
  t.true(sizer.size > 900 && sizer.size <= 1000, `size ${sizer.size}`);
  const sizes: number[] = [];
  for (let i = 0; i < 8; i++) {
    sizer.observe(100, 100); // now 1 ms a record
    sizes.push(sizer.size);
  }
  t.true(sizes.every((s, i) => i === 0 || s <= sizes[i - 1]), `sizes ${sizes.join(' ')}`);
  t.true(sizes[sizes.length - 1] <= 60, `after 8 slow windows: ${sizes[sizes.length - 1]}`);
});

test('a shard actor cuts windows of the learned size once its first windows are timed, in order, none lost', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 3000))],
    transform: { windowRecords: 100, windowTargetMs: 50, windowsInFlight: 1 },
    buffer: { maxRecords: 3000 },
    runMsPerRecord: 0.1,
  });
  await until(() => a.transform.calls.reduce((n, c) => n + c.seqs.length, 0) === 3000, 'every record went to the pool');
  const sizes = a.transform.calls.map((c) => c.seqs.length);
  t.is(sizes[0], 100, 'the first window holds windowRecords');
  t.true(sizes.slice(1, -1).every((s) => s === 500), `then 50 ms / 0.1 ms = 500 a window: ${sizes.join(' ')}`);
  t.deepEqual(a.transform.calls.flatMap((c) => c.seqs), shardRecords(0, 3000).map((r) => r.sequenceNumber));
});

test('with windowTargetMs 0 every window holds windowRecords', async (t) => {
  const a = await startActor(t, {
    script: [response(shardRecords(0, 1000))],
    transform: { windowRecords: 100, windowTargetMs: 0, windowsInFlight: 1 },
    runMsPerRecord: 0.1,
  });
  await until(() => a.transform.calls.reduce((n, c) => n + c.seqs.length, 0) === 1000, 'every record went to the pool');
  t.deepEqual(a.transform.calls.map((c) => c.seqs.length), Array.from({ length: 10 }, () => 100));
});
