import test from 'ava';
import { RespawnPolicy, nextRestart } from '../src/supervisor/restart-policy.js';

const policy = { baseMs: 100, maxMs: 100_000, maxRestarts: 3, windowMs: 10_000, slowRetryMs: 60_000 };

/** The jittered backoff of retry number `n` (0-based) lies in [cap/4, cap]. */
function inBackoffRange(delayMs: number, n: number): boolean {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** n);
  return delayMs >= cap / 4 && delayMs <= cap;
}

test('restarts back off within the budget, then retry slowly once maxRestarts happened within the window', (t) => {
  const restarts: number[] = [];
  const t0 = 1_000_000;
  for (let n = 0; n < policy.maxRestarts; n++) {
    const d = nextRestart(restarts, policy, t0 + n);
    t.false(d.exhausted, `restart ${n}`);
    t.is(d.recent, n);
    t.true(inBackoffRange(d.delayMs, n), `restart ${n} waited ${d.delayMs}`);
  }
  const slow = nextRestart(restarts, policy, t0 + 3);
  t.deepEqual(slow, { delayMs: policy.slowRetryMs, exhausted: true, recent: 3 });
  t.deepEqual(restarts, [t0, t0 + 1, t0 + 2, t0 + 3], 'each restart is remembered');
  const slower = nextRestart(restarts, policy, t0 + 4);
  t.deepEqual(slower, { delayMs: policy.slowRetryMs, exhausted: true, recent: 4 }, 'still slow while the window holds them');
});

test('the backoff grows with the restarts in the window', (t) => {
  // Retry 0 waits at most 100 ms, retry 2 at least 100 ms and retry 4 at least 400 ms, whatever the jitter.
  for (let round = 0; round < 20; round++) {
    const restarts: number[] = [];
    const wide = { ...policy, maxRestarts: 10 };
    const delays = Array.from({ length: 5 }, (_, n) => nextRestart(restarts, wide, 5_000 + n).delayMs);
    t.true(delays[0] <= 100 && delays[2] >= 100 && delays[4] >= 400, `delays ${delays.join(', ')}`);
  }
});

test('restarts older than the window are forgotten', (t) => {
  const restarts = [0, 1, 2];
  const atEdge = nextRestart(restarts, policy, 10_001);
  // 0 and 1 are windowMs or more old; only 2 is recent.
  t.deepEqual([atEdge.recent, atEdge.exhausted], [1, false]);
  t.true(inBackoffRange(atEdge.delayMs, 1));
  t.deepEqual(restarts, [2, 10_001]);

  const full = [0, 1, 2];
  t.true(nextRestart(full, policy, 9_999).exhausted, 'within the window the budget is spent');

  // After a slow retry that outlasts the window, the shard gets a fresh budget.
  const afterSlow = nextRestart(full, policy, 9_999 + policy.slowRetryMs);
  t.deepEqual([afterSlow.recent, afterSlow.exhausted], [0, false]);
  t.true(inBackoffRange(afterSlow.delayMs, 0));
  t.deepEqual(full, [9_999 + policy.slowRetryMs]);
});

test('RespawnPolicy replaces a thread at once the first time in a window, with a backoff after', (t) => {
  const respawn = new RespawnPolicy(policy);
  t.is(respawn.delay('host-0', 1_000), 0);
  const second = respawn.delay('host-0', 1_010);
  t.true(inBackoffRange(second, 0), `second replacement waited ${second}`);
  const third = respawn.delay('host-0', 1_020);
  t.true(inBackoffRange(third, 1), `third replacement waited ${third}`);
  t.is(respawn.delay('emitter-0', 1_030), 0, 'each thread has its own history');
  t.is(respawn.delay('host-0', 1_020 + policy.windowMs), 0, 'replacements older than the window are forgotten');
  t.true(inBackoffRange(respawn.delay('host-0', 1_021 + policy.windowMs), 0));
});
