import test from 'ava';
import { backoffDelay, retry } from '../src/core/backoff.js';
import { ConnectorError, EmitError, isPermanent, isRetriable } from '../src/core/errors.js';
import { deserializeError, serializeError } from '../src/threads/protocol.js';

test('delays grow exponentially within [cap/4, cap] and stop at maxMs', (t) => {
  const opts = { baseMs: 100, maxMs: 1000 };
  t.is(backoffDelay(0, opts, () => 0), 25);
  t.is(backoffDelay(0, opts, () => 1), 100);
  t.is(backoffDelay(3, opts, () => 1), 800);
  t.is(backoffDelay(4, opts, () => 1), 1000);
  t.is(backoffDelay(50, opts, () => 0), 250);
  const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(5, opts)));
  t.true(seen.size > 1, 'jittered');
  for (const d of seen) t.true(d >= 250 && d <= 1000);
});

test('retry retries retriable errors, then succeeds', async (t) => {
  let calls = 0;
  const delays: number[] = [];
  const v = await retry(async () => {
    if (++calls < 3) throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    return 'ok';
  }, { attempts: 5, baseMs: 1, maxMs: 4, onRetry: (_e, _a, d) => delays.push(d) });
  t.is(v, 'ok');
  t.is(calls, 3);
  t.is(delays.length, 2);
});

test('retry never retries programmer errors or non-retriable errors', async (t) => {
  let calls = 0;
  await t.throwsAsync(retry(async () => { calls++; throw new TypeError('bug'); }, { attempts: 5, baseMs: 1 }), { instanceOf: TypeError });
  t.is(calls, 1);
  await t.throwsAsync(retry(async () => { calls++; throw new ConnectorError('no', { retriable: false }); }, { attempts: 5, baseMs: 1 }));
  t.is(calls, 2);
});

test('retry gives up after the given attempts with the last error', async (t) => {
  let calls = 0;
  const err = await t.throwsAsync(retry(async () => { calls++; throw new ConnectorError(`fail ${calls}`, { retriable: true }); }, { attempts: 3, baseMs: 1, maxMs: 2 }));
  t.is(calls, 3);
  t.is(err?.message, 'fail 3');
});

test('isRetriable classifies AWS and network errors', (t) => {
  t.true(isRetriable(Object.assign(new Error('x'), { name: 'LimitExceededException' })));
  t.true(isRetriable(Object.assign(new Error('x'), { name: 'KMSThrottlingException' })));
  t.true(isRetriable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
  t.true(isRetriable(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 503 } })));
  t.false(isRetriable(Object.assign(new Error('x'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })));
  t.false(isRetriable(Object.assign(new Error('x'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })));
  t.false(isRetriable(new RangeError('bad')));
  t.true(isRetriable(Object.assign(new Error('deadlock detected'), { code: '40P01' })));
  t.true(isRetriable(Object.assign(new Error('connection failure'), { code: '08006' })));
  t.false(isRetriable(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })));
  t.true(isRetriable(new Error('Connection terminated unexpectedly')));
  t.false(isRetriable('a string'));
});

test('isPermanent: errors no retry heals, never retriable, and EmitError inherits it from its cause across a thread hop', (t) => {
  const aws = (name: string, status: number, extra: object = {}) => Object.assign(new Error('x'), { name, $metadata: { httpStatusCode: status }, ...extra });
  for (const name of ['AccessDenied', 'NoSuchBucket', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ResourceNotFoundException']) {
    t.true(isPermanent(aws(name, 400)), name);
    // Even an answer the SDK marks retryable (a 5xx, $retryable) is not retried.
    t.false(isRetriable(aws(name, 503, { $retryable: {} })), name);
  }
  for (const code of ['42P01', '42703', '28P01']) t.true(isPermanent(Object.assign(new Error('x'), { code })), code);
  t.false(isPermanent(aws('ThrottlingException', 400)));
  t.false(isPermanent(Object.assign(new Error('x'), { code: '40P01' })));
  t.false(isPermanent(new Error('Connection terminated unexpectedly')));
  const emit = new EmitError('S3 PutObject failed', { retriable: true, cause: aws('NoSuchBucket', 404) });
  t.true(emit.permanent);
  t.false(emit.retriable, 'a permanent error is never retriable');
  t.false(new EmitError('throttled', { retriable: true, cause: aws('SlowDown', 503) }).permanent);
  const hopped = deserializeError(serializeError(emit));
  t.true(isPermanent(hopped));
  t.false(isRetriable(hopped));
});
