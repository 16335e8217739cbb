// The metrics endpoint: every family present, and moving once records flow; counters survive an
// actor's restart without going backwards.
import test from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, fixture, testOptions } from './helpers/pipeline-options.js';
import { has, scrape, sum, type Sample } from './helpers/prometheus-text.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const P = 'kinesis_connectors_';
/** Counters (and histogram counts) that must grow while records flow. */
const GROWING = [
  'records_read_total', 'records_emitted_total', 'records_filtered_total', 'records_dead_lettered_total', 'bytes_emitted_total',
  'batches_emitted_total', 'emit_latency_seconds_count', 'transform_window_seconds_count', 'checkpoint_commits_total', 'lease_rounds_total',
].map((n) => P + n);

function perShard(samples: Sample[], name: string): Map<string, number> {
  return new Map(samples.filter((s) => s.name === name).map((s) => [s.labels.shard_id, s.value]));
}

test.serial('every metric family is present and moves while records flow; counters never go back when an actor restarts', async (t) => {
  const stream = uniqueName('http-metrics');
  const app = uniqueName('app');
  await createStream(env.kinesisClient, stream, 2);
  const pipeline = new Pipeline(testOptions(env, app, stream, {
    transform: { module: fixture('transform-drop-and-poison.js'), threads: 2, windowRecords: 100 }, http: { port: 0 },
    // Two host threads (one by default on 2 cores), so every kind of thread reports its event-loop delay.
    shards: { hostThreads: 2 },
    // A lease round every 500 ms: at least two during the 1.2 s wait below, however fast the records flow.
    lease: { durationMs: 1500 },
  }), { logger: captureLogger() });
  await pipeline.start();
  try {
    const url = pipeline.httpUrl!;
    t.regex(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    await waitFor(() => pipeline.stats().worker.leaseRounds > 0, 5000, 'a lease round');
    const before = await scrape(url);
    const all = ids('m', 3000);
    await produce(env.kinesisClient, stream, all, (id) => ({ drop: id.endsWith('7'), poison: id.endsWith('13') }));
    await waitFor(() => {
      const s = pipeline.stats();
      return s.recordsEmitted + s.recordsFiltered + s.recordsDeadLettered >= all.length && pipeline.isIdle(200);
    }, 60_000, 'every record accounted for');
    await new Promise((r) => setTimeout(r, 1200)); // a loop-delay report from every thread
    const after = await scrape(url);
    for (const name of GROWING) t.true(sum(after, name) > sum(before, name), `${name} grew: ${sum(before, name)} → ${sum(after, name)}`);
    t.is(sum(after, `${P}records_read_total`), 3000);
    t.is(sum(after, `${P}records_read_total`, { app, stream }), 3000, 'app and stream labels');
    t.is(perShard(after, `${P}records_read_total`).size, 2, 'one series per shard');
    t.is(perShard(after, `${P}millis_behind_latest`).size, 2, 'lag of each shard');
    t.is(sum(after, `${P}shards_owned`), 2);
    t.true(sum(after, `${P}leases_total`, { event: 'taken' }) >= 2);
    t.is(sum(after, `${P}pool_threads`), 2);
    t.true(has(after, `${P}pool_utilization`) && has(after, `${P}pool_queue_size`));
    t.is(sum(after, `${P}shards`, { state: 'running' }), 2);
    t.true(has(after, `${P}emit_latency_seconds_bucket`, { le: '+Inf' }) && has(after, `${P}transform_window_seconds_sum`));
    for (const thread of ['main', 'host-0', 'host-1', 'emitter-0']) {
      t.true(has(after, `${P}event_loop_delay_seconds`, { thread, quantile: '0.99' }), `event-loop delay of ${thread}`);
    }
    t.true(has(after, `${P}checkpoint_failures_total`));

    // A crash: the restarted actor starts counting from zero, the metrics do not.
    const shardId = [...perShard(after, `${P}records_read_total`).keys()][0];
    await pipeline.killShardActor(shardId, 'killed by the metrics test');
    await waitFor(() => pipeline.stats().restarts === 1 && pipeline.stats().shards.running === 2, 10_000, 'the actor restarted');
    await produce(env.kinesisClient, stream, ids('n', 200));
    await waitFor(() => pipeline.stats().recordsRead >= 3200 && pipeline.isIdle(200), 30_000, 'the new records read');
    const restarted = await scrape(url);
    t.is(sum(restarted, `${P}actor_restarts_total`, { code: 'Error', permanent: 'false' }), 1, 'a restart, by error code, not permanent');
    for (const [id, n] of perShard(after, `${P}records_read_total`)) {
      t.true((perShard(restarted, `${P}records_read_total`).get(id) ?? 0) >= n, `${id}: read counter did not go back`);
    }
    t.is(sum(restarted, `${P}records_read_total`), 3200);
  } finally {
    await pipeline.stop();
  }
});
