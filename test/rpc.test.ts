import test from 'ava';
import { MessageChannel, Worker } from 'node:worker_threads';
import { connect } from '../src/threads/rpc.js';
import { ThreadError } from '../src/core/errors.js';

interface Api {
  echo(x: unknown): unknown;
  fail(): never;
  failRetriable(): Promise<never>;
  hang(): Promise<never>;
}

function start() {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./fixtures/rpc-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  return { worker, api: connect<Api>(port1, 'the test worker') };
}

test('errors keep name, message, code and retriable across threads', async (t) => {
  const { worker, api } = start();
  try {
    t.deepEqual(await api.echo({ a: 1 }), { a: 1 });
    const err = await t.throwsAsync<Error & { code?: string; retriable?: boolean }>(api.fail());
    t.is(err.name, 'EmitError');
    t.is(err.message, 'bucket is gone');
    t.is(err.code, 'NO_SUCH_BUCKET');
    t.is(err.retriable, false);
    const err2 = await t.throwsAsync<Error & { code?: string; retriable?: boolean }>(api.failRetriable());
    t.is(err2.name, 'ThrottlingException');
    t.is(err2.code, 'Throttled');
    t.is(err2.retriable, true);
  } finally {
    await worker.terminate();
  }
});

test('a call to a thread that dies rejects instead of hanging', async (t) => {
  const { worker, api } = start();
  const pending = api.hang();
  await api.echo(1);
  await worker.terminate();
  await t.throwsAsync(pending, { instanceOf: ThreadError, message: /the test worker is gone/ });
  await t.throwsAsync(api.echo(2), { instanceOf: ThreadError });
});
