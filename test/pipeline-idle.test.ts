// Pipeline.isIdle means caught up: never while a shard's read is still in flight or its last answer
// said it is behind the tip (MillisBehindLatest > 0), however long since its last record.
import test from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { startDelayingProxy } from './helpers/delaying-proxy.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** Samples `isIdle(idleMs)` every 50 ms for `forMs`; returns how many samples were idle. */
async function idleSamples(pipeline: Pipeline, idleMs: number, forMs: number, also: () => void = () => {}): Promise<number> {
  let idle = 0;
  for (const end = Date.now() + forMs; Date.now() < end;) {
    if (pipeline.isIdle(idleMs)) idle++;
    also();
    await new Promise((r) => setTimeout(r, 50));
  }
  return idle;
}

test.serial('isIdle is false while a read is in flight and while MillisBehindLatest > 0, true once caught up', async (t) => {
  const stream = uniqueName('idle-unit');
  await createStream(env.kinesisClient, stream, 1);
  const all = ids('u', 300);
  const produced = await produce(env.kinesisClient, stream, all);
  const last = [...produced.lastSeq.values()][0];
  const proxy = await startDelayingProxy(env.kinesis.endpoint, { delayMs: 2500 });
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, { kinesis: { endpoint: proxy.endpoint } }), { logger: captureLogger() });
  try {
    await pipeline.start();
    // The first GetRecords answer is held for 2.5 s: far longer than the idle time asked for.
    await waitFor(() => proxy.getRecordsInFlight > 0, 10_000, 'the first GetRecords call');
    let sawInFlight = 0;
    const whileReading = await idleSamples(pipeline, 200, 1500, () => { if (proxy.getRecordsInFlight > 0) sawInFlight++; });
    t.true(sawInFlight > 0, 'a read was in flight while sampling');
    t.is(whileReading, 0, 'never idle while the first read is in flight');

    // Answers at once from now on, but each says the shard is 5 s behind the tip.
    proxy.millisBehindLatest = 5000;
    proxy.delayMs = 0;
    await waitFor(() => pipeline.stats().checkpoints[[...produced.lastSeq.keys()][0]] === last, 20_000, 'every record stored and checkpointed');
    t.is(pipeline.stats().recordsEmitted, all.length);
    const whileBehind = await idleSamples(pipeline, 200, 1000);
    t.is(whileBehind, 0, 'never idle while MillisBehindLatest > 0, though nothing is left to store');

    // The tip: MillisBehindLatest 0 again.
    proxy.millisBehindLatest = undefined;
    await waitFor(() => pipeline.isIdle(200), 10_000, 'idle once caught up');
    t.pass();
  } finally {
    await pipeline.stop();
    await proxy.close();
  }
});
