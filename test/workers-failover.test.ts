// A worker that dies (SIGKILL) or freezes (SIGSTOP) while others share the stream: its shards are
// owned again after its leases expire, a frozen worker that wakes stops its actors and writes no
// checkpoint, no checkpoint moves backwards, and every record is stored.
import test from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { readObjects, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { allStarted, balanced, fleet, isMsg, listShards, Load, loads, Monitor, owners, snapshot, tails, verify } from './helpers/worker-processes.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const NAMES = ['w1', 'w2', 'w3'];

test.serial('SIGKILL one of 3 workers under load: its shards are owned again within durationMs + renewIntervalMs, nothing lost', async (t) => {
  const lease = { durationMs: 2000, renewIntervalMs: 500 };
  const stream = uniqueName('wk-kill');
  const f = await fleet(t, env, uniqueName('app'), stream, { lease });
  await createStream(env.kinesisClient, stream, 8);
  const shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  const workers = await Promise.all(NAMES.map((n) => f.start(n)));
  await allStarted(workers);
  await waitFor(async () => balanced(await snapshot(f, shardIds), NAMES, 2, 3), 4 * lease.durationMs, 'balanced');
  const monitor = new Monitor(f, () => shardIds, 50);
  const load = new Load(env, stream, 'k');
  await waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 8, 30_000, 'objects stored under load');

  const victim = workers[1];
  const theirs = shardIds.filter((id) => owners(monitor.latest!).get(id) === victim.id);
  t.true(theirs.length >= 2, `the victim held ${theirs.join(',')}`);
  const killedAt = victim.signal('SIGKILL');
  const taken = new Map<string, number>();
  await waitFor(() => {
    const o = owners(monitor.latest!);
    for (const id of theirs) if (!taken.has(id) && o.get(id) !== undefined && o.get(id) !== victim.id) taken.set(id, Date.now() - killedAt);
    return taken.size === theirs.length;
  }, 30_000, 'the victim\'s shards owned again');
  const worst = Math.max(...taken.values());
  t.log(`take-over after SIGKILL, per shard (ms): ${[...taken].map(([id, ms]) => `${id.slice(-2)}=${ms}`).join(' ')}; worst ${worst} ms ` +
    `(durationMs + renewIntervalMs = ${lease.durationMs + lease.renewIntervalMs})`);
  // Polling every 50 ms and a loaded 2-core machine: 500 ms of slack.
  t.true(worst <= lease.durationMs + lease.renewIntervalMs + 500, `take-over took ${worst} ms`);
  // The survivors' own lines name them as the new owners.
  for (const id of theirs) {
    t.true(workers.filter((w) => w !== victim).some((w) => w.find(isMsg('lease taken', id), killedAt).length > 0), `a survivor logged lease taken for ${id}`);
  }
  t.is((await victim.exited).signal, 'SIGKILL');

  await new Promise((r) => setTimeout(r, 2000));
  const produced = await load.stop();
  const v = await verify(f, load.ids, produced);
  await monitor.stop();
  t.log(`${v.produced} records produced, ${v.duplicates} duplicates in S3; ${JSON.stringify([...loads(monitor.latest!)])}`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.deepEqual(monitor.regressions, [], 'no checkpoint moved backwards');
  for (const w of workers.filter((x) => x !== victim)) t.is((await w.stop()).code, 0);
});

test.serial('a zombie (SIGSTOP past its leases, then SIGCONT) loses its leases, stops those actors, writes no checkpoint; nothing lost', async (t) => {
  const lease = { durationMs: 2500, renewIntervalMs: 1000 };
  const stream = uniqueName('wk-zombie');
  // Checkpoints every 250 ms and batches stored every 100 ms: a frozen worker nearly always holds a
  // stored, uncommitted position, and its commit timer is usually due before its renewal timer, so
  // on waking its first Redis call is most often a checkpoint write, which the fence must refuse.
  const f = await fleet(t, env, uniqueName('app'), stream, {
    lease, checkpointIntervalMs: 250, extra: { buffer: { maxRecords: 500, maxBytes: 1 << 20, maxAgeMs: 100 } },
  });
  await createStream(env.kinesisClient, stream, 6);
  const shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  const workers = await Promise.all(NAMES.map((n) => f.start(n)));
  await allStarted(workers);
  await waitFor(async () => balanced(await snapshot(f, shardIds), NAMES, 2, 2), 4 * lease.durationMs, 'balanced');
  const monitor = new Monitor(f, () => shardIds, 50);
  const load = new Load(env, stream, 'z', 60, 100);
  await waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 6, 30_000, 'objects stored under load');

  const zombie = workers[0];
  const theirs = shardIds.filter((id) => owners(monitor.latest!).get(id) === zombie.id);
  const tokens = new Map(theirs.map((id) => [id, monitor.latest!.leases.get(id)!.token]));
  t.is(theirs.length, 2);
  const stoppedAt = zombie.signal('SIGSTOP');
  // Others own its shards (with new tokens) once its leases expired.
  await waitFor(() => theirs.every((id) => {
    const l = monitor.latest!.leases.get(id)!;
    return owners(monitor.latest!).get(id) !== undefined && l.owner !== zombie.id && l.token > tokens.get(id)!;
  }), 30_000, 'the zombie\'s shards owned by others');
  const newOwners = new Map(theirs.map((id) => [id, { ...monitor.latest!.leases.get(id)! }]));
  t.log(`owned again ${Date.now() - stoppedAt} ms after SIGSTOP: ${[...newOwners].map(([id, l]) => `${id}->${l.owner}#${l.token}`).join(' ')}`);
  // Let the new owners move the checkpoints on while the zombie sleeps.
  await new Promise((r) => setTimeout(r, 1000));
  const wokeAt = zombie.signal('SIGCONT');

  const lost = await Promise.all(theirs.map((id) => zombie.waitForLine(isMsg('lease lost', id), 15_000, `lease lost for ${id}`, wokeAt)));
  for (const l of lost) t.log(`zombie ${l.fields.shardId} +${l.at - wokeAt} ms: ${l.fields.reason}`);
  const refused = lost.filter((l) => /refused|LEASE_LOST/.test(l.fields.reason ?? ''));
  const byRenewal = lost.filter((l) => /taken by another worker|could not be renewed/.test(l.fields.reason ?? ''));
  t.is(refused.length + byRenewal.length, theirs.length, 'every lease lost line names its cause');
  t.log(`caught by a refused checkpoint write: ${refused.length}, by the renewal: ${byRenewal.length}`);
  for (const l of refused) t.regex(l.fields.reason, /held by w[23] with token \d+, not by w1 with token \d+/);

  // The actors stopped: no new actor for those shards unless the zombie took a lease anew later.
  await new Promise((r) => setTimeout(r, 3 * lease.renewIntervalMs));
  for (const id of theirs) {
    const restarted = zombie.find(isMsg('starting shard actor', id), wokeAt);
    const retaken = zombie.find((l) => (isMsg('lease taken', id)(l) || isMsg('lease stolen for balance', id)(l)), wokeAt);
    t.true(restarted.length === 0 || (retaken.length > 0 && retaken[0].at <= restarted[0].at), `${id}: no actor without a new lease`);
    // Its stale token never came back: the lease is the new owner's, or a later one.
    const now = monitor.latest!.leases.get(id)!;
    t.true(now.token >= newOwners.get(id)!.token, `${id} token ${now.token} >= ${newOwners.get(id)!.token}`);
    if (now.owner === zombie.id) t.true(retaken.length > 0 && Number(retaken.at(-1)!.fields.token) === now.token, `${id}: retaken by the zombie with a new token`);
  }

  const produced = await load.stop();
  const v = await verify(f, load.ids, produced);
  await monitor.stop();
  t.log(`${v.produced} records produced, ${v.duplicates} duplicates; ${monitor.samples} checkpoint samples`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.deepEqual(monitor.regressions, [], 'no checkpoint moved backwards');
  t.true(monitor.samples > 50, 'checkpoints were polled throughout');
  for (const w of workers) t.is((await w.stop()).code, 0, tails([w]));
});
