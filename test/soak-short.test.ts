// The chaos soak at a small size (npm run soak -- --short does the same): 20,000 records over 8
// shards while a fixed-seed schedule applies one fault of each kind — SIGKILL of the pipeline
// process, a killed actor, a killed host thread, a killed emitter thread, a restart of the soak's
// own Redis, S3 answering 500, 503 and SlowDown — then every object is read back.
import test from 'ava';
import { FAULT_KINDS } from '../bench/soak/fault-schedule.js';
import { runSoak } from '../bench/soak/run-soak.js';

test('under every kind of fault no record is lost and every checkpoint reaches its shard\'s tail', async (t) => {
  t.timeout(150_000);
  const r = await runSoak({ records: 20_000, faults: 8, seed: 20261126, meanGapMs: 1500, settleTimeoutMs: 60_000 });
  t.log(`${r.seconds.toFixed(1)} s, ${r.stored.duplicates} duplicates (bound ${r.duplicateBound}), ${r.actorRestarts} actor restarts, faults skipped: ${r.faultsSkipped.length}`);
  t.deepEqual(Object.keys(r.faultsPlanned).sort(), [...FAULT_KINDS].sort(), 'one fault of every kind planned');
  t.deepEqual(r.faultsSkipped, [], 'every fault applied');
  t.is(r.pipelineStarts, 2, 'started once, and once more after the SIGKILL');
  t.is(r.unexpectedExits, 0);
  t.true(Object.values(r.s3FailedRequests).reduce((a, b) => a + b, 0) > 0, 'the S3 faults were met');
  t.is(r.stored.lost, 0, `lost: ${r.stored.lostSample.join(', ')}`);
  t.is(r.stored.unknown, 0);
  t.true(r.stored.duplicates <= r.duplicateBound, `${r.stored.duplicates} duplicates, bound ${r.duplicateBound}`);
  t.true(r.allCheckpointsAtTail, JSON.stringify(r.checkpoints.filter((c) => !c.atTail)));
});
