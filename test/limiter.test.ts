// The limiter that bounds a source's GetShardIterator calls: never more than its limit at once,
// turns in arrival order, failures passed on and their turn freed.
import test from 'ava';
import { Limiter } from '../src/core/limiter.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

test('at most `limit` calls run at once; the others start in the order they came, as turns free up', async (t) => {
  const limiter = new Limiter(3);
  const gates = Array.from({ length: 8 }, () => deferred());
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const calls = gates.map((g, i) => limiter.run(async () => {
    started.push(i);
    running++;
    most = Math.max(most, running);
    await g.promise;
    running--;
    return i * 10;
  }));
  await tick();
  t.deepEqual(started, [0, 1, 2]);
  t.is(limiter.running, 3);
  t.is(limiter.queued, 5);
  gates[1].resolve();
  await tick();
  t.deepEqual(started, [0, 1, 2, 3]);
  for (const g of gates) g.resolve();
  t.deepEqual(await Promise.all(calls), [0, 10, 20, 30, 40, 50, 60, 70]);
  t.deepEqual(started, [0, 1, 2, 3, 4, 5, 6, 7]);
  t.is(most, 3);
  t.is(limiter.running, 0);
  t.is(limiter.queued, 0);
});

test('a call that fails passes its error on and frees its turn', async (t) => {
  const limiter = new Limiter(1);
  const failing = limiter.run(() => Promise.reject(new Error('GetShardIterator failed')));
  const next = limiter.run(() => Promise.resolve('next ran'));
  await t.throwsAsync(failing, { message: 'GetShardIterator failed' });
  t.is(await next, 'next ran');
  t.is(limiter.running, 0);
});

test('a limit that is not a positive whole number is refused', (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => new Limiter(bad), { instanceOf: RangeError });
});
