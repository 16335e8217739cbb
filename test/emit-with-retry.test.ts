import test from 'ava';
import { EmitError } from '../src/core/errors.js';
import type { Batch } from '../src/core/batch.js';
import { emitWithRetry } from '../src/emitters/emit-with-retry.js';
import type { EmitAttempt, Emitter } from '../src/emitters/emitter.js';
import { makeBatch, seqs } from './helpers/emitter-batch.js';

const fast = { baseMs: 1, maxMs: 2 };

/**
 * Fails the first `failures` attempts at each batch with `error(n)`, then stores it. Like an
 * emitter that stores part of a batch before failing, it counts in `memo` the attempts it made.
 */
class FlakyEmitter implements Emitter {
  readonly attempts: Array<{ batch: Batch; number: number; memo: Map<string, unknown>; memoBefore: unknown }> = [];
  private readonly failed = new Map<Batch, number>();

  constructor(private readonly failures: number, private readonly error: (n: number) => Error) {}

  async emit(batch: Batch, attempt?: EmitAttempt): Promise<{ location: string }> {
    const memo = attempt!.memo;
    this.attempts.push({ batch, number: attempt!.number, memo, memoBefore: memo.get('parts stored') });
    memo.set('parts stored', ((memo.get('parts stored') as number | undefined) ?? 0) + 1);
    const n = this.failed.get(batch) ?? 0;
    if (n < this.failures) {
      this.failed.set(batch, n + 1);
      throw this.error(n);
    }
    return { location: `memory://${batch.firstSeq}` };
  }

  async close(): Promise<void> {}
}

const throttled = (n: number) => new EmitError(`throttled (attempt ${n})`, { retriable: true });
const batch = (from = 0) => makeBatch(['a', 'b'], seqs(2, from));

test('a batch gets exactly its budget of attempts, and the last error', async (t) => {
  const emitter = new FlakyEmitter(10, throttled);
  const retries: Array<[number, string]> = [];
  const err = await t.throwsAsync(emitWithRetry(emitter, batch(), {
    attempts: 4, backoff: fast, onRetry: (e, attempt) => retries.push([attempt, (e as Error).message]),
  }));
  t.is(err.message, 'throttled (attempt 3)');
  t.deepEqual(emitter.attempts.map((a) => a.number), [0, 1, 2, 3]);
  t.deepEqual(retries, [[0, 'throttled (attempt 0)'], [1, 'throttled (attempt 1)'], [2, 'throttled (attempt 2)']]);
});

test('a batch that succeeds within the budget is stored once it does', async (t) => {
  const emitter = new FlakyEmitter(2, throttled);
  const b = batch();
  t.deepEqual(await emitWithRetry(emitter, b, { attempts: 4, backoff: fast }), { location: `memory://${b.firstSeq}` });
  t.is(emitter.attempts.length, 3);
});

test('memo persists across the attempts at one batch and is fresh for the next batch', async (t) => {
  const emitter = new FlakyEmitter(2, throttled);
  const first = batch(0);
  const second = batch(10);
  await emitWithRetry(emitter, first, { attempts: 5, backoff: fast });
  await emitWithRetry(emitter, second, { attempts: 5, backoff: fast });
  const of = (b: Batch) => emitter.attempts.filter((a) => a.batch === b);
  t.deepEqual(of(first).map((a) => a.memoBefore), [undefined, 1, 2], 'each attempt sees what the earlier ones noted');
  t.true(of(first).every((a) => a.memo === of(first)[0].memo));
  t.deepEqual(of(second).map((a) => a.memoBefore), [undefined, 1, 2], 'the next batch starts with an empty memo');
  t.not(of(second)[0].memo, of(first)[0].memo);
});

test('a failure that is not retriable is not retried', async (t) => {
  const refused = new FlakyEmitter(10, (n) => new EmitError(`access denied (attempt ${n})`, { retriable: false }));
  const err = await t.throwsAsync(emitWithRetry(refused, batch(), { attempts: 5, backoff: fast }));
  t.is(err.message, 'access denied (attempt 0)');
  t.is(refused.attempts.length, 1);

  const bug = new FlakyEmitter(10, () => new TypeError('cannot read properties of undefined'));
  await t.throwsAsync(emitWithRetry(bug, batch(), { attempts: 5, backoff: fast }), { instanceOf: TypeError });
  t.is(bug.attempts.length, 1, 'programmer errors are not retried either');
});

test('aborting the signal stops the wait between attempts', async (t) => {
  const emitter = new FlakyEmitter(10, throttled);
  const abort = new AbortController();
  // Every wait would be at least 15 s: only the abort can end this promptly.
  const slow = { baseMs: 60_000, maxMs: 60_000 };
  const emitting = emitWithRetry(emitter, batch(), {
    attempts: 5, backoff: slow, signal: abort.signal, onRetry: () => setImmediate(() => abort.abort()),
  });
  let guard: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    emitting.then(() => 'stored', (err: Error) => err.message),
    new Promise<string>((resolve) => { guard = setTimeout(() => resolve('still waiting after 3 s'), 3000); }),
  ]);
  clearTimeout(guard);
  t.is(outcome, 'throttled (attempt 0)');
  t.is(emitter.attempts.length, 1);
});
