// Workers as separate processes through a rolling restart (SIGTERM hands leases over at once) and
// through a shard split (children start only after their parent is SHARD_END, whoever reads them).
import test from 'ava';
import { DescribeStreamSummaryCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { createStream } from '../src/aws/create-stream.js';
import { SHARD_END } from '../src/core/sequence.js';
import { ids, produce, readObjects, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { fixture } from './helpers/pipeline-options.js';
import { allStarted, balanced, fleet, idsForShard, isMsg, listShards, Load, Monitor, owners, snapshot, tails, verify, type LogLine, type WorkerProcess } from './helpers/worker-processes.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

test.serial('rolling restart of 3 workers under load: each SIGTERM exits 0 and hands its shards over before the leases would expire; nothing lost', async (t) => {
  const lease = { durationMs: 2500, renewIntervalMs: 500 };
  const stream = uniqueName('wk-roll');
  const f = await fleet(t, env, uniqueName('app'), stream, { lease });
  await createStream(env.kinesisClient, stream, 8);
  const shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  let live: WorkerProcess[] = await Promise.all(['w1', 'w2', 'w3'].map((n) => f.start(n)));
  await allStarted(live);
  const names = () => live.map((w) => w.id);
  await waitFor(async () => balanced(await snapshot(f, shardIds), names(), 2, 3), 4 * lease.durationMs, 'balanced');
  const monitor = new Monitor(f, () => shardIds, 50);
  const load = new Load(env, stream, 'r');
  await waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 8, 30_000, 'objects stored under load');

  const handoffs: number[] = [];
  for (const old of [...live]) {
    const held = shardIds.filter((id) => owners(monitor.latest!).get(id) === old.id);
    t.true(held.length >= 2, `${old.id} held ${held.join(',')}`);
    const termAt = old.signal('SIGTERM');
    const exit = await old.waitForExit(30_000);
    t.is(exit.code, 0, tails([old]));
    t.is(old.find(isMsg('leases released')).length, 1, `${old.id} released its leases`);
    live = live.filter((w) => w !== old);
    const next = await f.start(`${old.id}b`);
    live.push(next);
    await waitFor(() => balanced(monitor.latest!, names(), 2, 3), 30_000, `balanced after replacing ${old.id}`)
      .catch((err: Error) => { throw new Error(`${err.message}\n${tails(live)}`); });
    // Hand-off: SIGTERM to the first line of another worker taking (or starting) each held shard.
    const first = (shardId: string, msg: string): LogLine | undefined => live.flatMap((w) => w.find(isMsg(msg, shardId), termAt))
      .sort((a, b) => a.at - b.at)[0];
    const times = held.map((id) => {
      const taken = first(id, 'lease taken') ?? first(id, 'lease stolen for balance');
      const started = first(id, 'starting shard actor');
      t.truthy(taken && started, `${id} taken and started by another worker after ${old.id} stopped`);
      return { id, taken: taken ? taken.at - termAt : NaN, started: started ? started.at - termAt : NaN };
    });
    t.log(`${old.id}: exit ${exit.at - termAt} ms after SIGTERM; hand-off (lease taken / actor started, ms): ` +
      times.map((x) => `${x.id.slice(-2)}=${x.taken}/${x.started}`).join(' '));
    handoffs.push(...times.map((x) => x.started));
    // A lease left to expire would take durationMs from the last renewal (rounds stop at SIGTERM).
    t.true(times.every((x) => x.taken < lease.durationMs), `handed over before the leases could expire (${lease.durationMs} ms)`);
  }
  t.log(`hand-off SIGTERM -> starting shard actor: min ${Math.min(...handoffs)} ms, max ${Math.max(...handoffs)} ms`);

  const produced = await load.stop();
  const v = await verify(f, load.ids, produced);
  await monitor.stop();
  t.log(`${v.produced} records produced, ${v.duplicates} duplicates`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.deepEqual(monitor.regressions, [], 'no checkpoint moved backwards');
  for (const w of live) t.is((await w.stop()).code, 0);
});

test.serial('a shard split while 3 workers share 2 shards: children start only after their parent is SHARD_END, also in a worker that did not read the parent; every record stored', async (t) => {
  const lease = { durationMs: 2000, renewIntervalMs: 500 };
  const stream = uniqueName('wk-split');
  const f = await fleet(t, env, uniqueName('app'), stream, { lease });
  await createStream(env.kinesisClient, stream, 2);
  let shardIds = (await listShards(env, stream)).map((s) => s.shardId);
  // Three workers for two shards: one idles until the split, then takes a child it learns of only
  // through Redis (the parent's SHARD_END written by another process).
  const workers = await Promise.all(['w1', 'w2', 'w3'].map((n) => f.start(n)));
  await allStarted(workers);
  await waitFor(async () => balanced(await snapshot(f, shardIds), ['w1', 'w2', 'w3'], 0, 1), 4 * lease.durationMs, 'one shard each for two workers');
  const parent = 'shardId-000000000000';
  let children: string[] = [];
  // Atomic reads: a child with a lease or a checkpoint while its parent is not SHARD_END is a violation.
  const violations: string[] = [];
  const monitor = new Monitor(f, () => shardIds, 50, (s) => {
    for (const c of children) {
      const l = s.leases.get(c);
      // A snapshot of the shards listed before the split does not cover the children.
      if (!l) continue;
      const early = s.checkpoints.get(parent) !== SHARD_END && (l.token > 0 || s.checkpoints.get(c) !== null);
      if (early) violations.push(`${c}: ${JSON.stringify(s.leases.get(c))} checkpoint ${s.checkpoints.get(c)} while the parent is at ${s.checkpoints.get(parent)}`);
    }
  });
  const load = new Load(env, stream, 's', 40, 100);
  await waitFor(async () => (await readObjects(env.s3Client, env.bucket, `${stream}/`)).length >= 4, 30_000, 'objects stored under load');
  const parentOwner = workers.find((w) => w.id === owners(monitor.latest!).get(parent))!;

  const splitAt = Date.now();
  await env.kinesisClient.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent, NewStartingHashKey: (2n ** 126n).toString() }));
  await waitFor(async () => (await env.kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE', 10_000, 'stream ACTIVE again');
  const listed = await listShards(env, stream);
  shardIds = listed.map((s) => s.shardId);
  children = listed.filter((s) => s.parent === parent).map((s) => s.shardId);
  t.is(children.length, 2);

  const starts = await Promise.all(children.map(async (c) => {
    const line = await Promise.any(workers.map(async (w) => ({ w, line: await w.waitForLine(isMsg('starting shard actor', c), 30_000, `an actor for ${c}`, splitAt) })))
      .catch(() => { throw new Error(`no actor for ${c}\n${tails(workers)}`); });
    return { child: c, ...line };
  }));
  const finished = parentOwner.find(isMsg('shard finished', parent))[0];
  t.truthy(finished, `${parentOwner.id} finished the parent`);
  for (const { child, w, line } of starts) {
    // In the process that starts it: the parent is finished first, by itself or seen in Redis.
    const own = w.find(isMsg('shard finished', parent))[0];
    t.truthy(own && own.at <= line.at && w.lines.indexOf(own) < w.lines.indexOf(line), `${w.id} saw ${parent} finished before starting ${child}`);
    // Across processes by their log clocks: after the owner checkpointed SHARD_END.
    t.true(Date.parse(line.time) >= Date.parse(finished.time), `${child} started at ${line.time}, parent finished at ${finished.time}`);
    t.log(`${child} started by ${w.id}${w === parentOwner ? ' (the parent\'s reader)' : ''} ${Date.parse(line.time) - Date.parse(finished.time)} ms after ${parentOwner.id} checkpointed ${parent} SHARD_END`);
  }

  t.true(starts.some((s) => s.w !== parentOwner), 'a child started in a worker that learnt of the parent\'s end through Redis');

  await new Promise((r) => setTimeout(r, 1500));
  const produced = await load.stop();
  const v = await verify(f, load.ids, produced);
  await monitor.stop();
  t.deepEqual(violations, [], 'no child leased or checkpointed before its parent was SHARD_END');
  t.is(monitor.last.get(parent), SHARD_END);
  t.true(children.every((c) => produced.lastSeq.has(c)), 'records reached both children');
  t.log(`${v.produced} records produced, ${v.duplicates} duplicates; parent owner ${parentOwner.id}`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.deepEqual(monitor.regressions, [], 'no checkpoint moved backwards');
  for (const w of workers) t.is((await w.stop()).code, 0);
});

test.serial('SIGTERM with a drain longer than lease.durationMs: the worker keeps its leases until its final commit, so the next owner starts where it stopped', async (t) => {
  const lease = { durationMs: 1500, renewIntervalMs: 400 };
  const stream = uniqueName('wk-drain');
  const f = await fleet(t, env, uniqueName('app'), stream, {
    lease, extra: { transform: { module: fixture('transform-sleeps.js'), threads: 1, windowRecords: 50 } },
  });
  await createStream(env.kinesisClient, stream, 2);
  const listed = await listShards(env, stream);
  const shardIds = listed.map((s) => s.shardId);
  const [w1, w2] = await Promise.all(['w1', 'w2'].map((n) => f.start(n)));
  await allStarted([w1, w2]);
  await waitFor(async () => balanced(await snapshot(f, shardIds), ['w1', 'w2'], 1, 1), 4 * lease.durationMs, 'one shard each');
  const monitor = new Monitor(f, () => shardIds, 50);
  const first = owners(await monitor.ready());
  const mine = shardIds.find((id) => first.get(id) === 'w1')!;
  const fast = ids('fast', 200);
  await produce(env.kinesisClient, stream, fast);
  // Records that take the transform 2.5 s each: w1's drain lasts well past its leases' duration.
  const slow = idsForShard(listed.find((s) => s.shardId === mine)!, 'slow', 3);
  const produced = await produce(env.kinesisClient, stream, slow, () => ({ sleepMs: 2500 }));
  t.true([...produced.shardOf.values()].includes(mine), `slow records reached w1's ${mine}`);
  await new Promise((r) => setTimeout(r, 700));
  const termAt = w1.signal('SIGTERM');
  const exit = await w1.waitForExit(30_000);
  t.is(exit.code, 0);
  const released = w1.find(isMsg('leases released'))[0];
  t.log(`w1 exited ${exit.at - termAt} ms after SIGTERM; ${released?.msg} ${JSON.stringify(released?.fields)}`);
  t.true(exit.at - termAt > lease.durationMs, 'the drain lasted longer than a lease');
  const takenByW2 = await w2.waitForLine(isMsg('lease taken', mine), 10_000, `w2 taking ${mine}`, termAt);
  await monitor.stop();
  const lostWhileStopping = w1.find(isMsg('lease lost'), termAt);
  t.log(`w2 took ${mine} ${takenByW2.at - termAt} ms after SIGTERM, ${exit.at - takenByW2.at} ms before w1 exited; ` +
    `w1 lease lost lines after SIGTERM: ${lostWhileStopping.map((l) => l.fields.reason).join(' | ') || 'none'}`);
  t.deepEqual(lostWhileStopping.map((l) => l.fields.reason), [], 'w1 kept its lease through its drain (its final commit was not refused)');
  t.true(Date.parse(takenByW2.time) >= Date.parse(released.time), 'w2 took the shard only after w1 released it');
  const v = await verify(f, [...fast, ...slow], produced, 30_000);
  const missingByShard = new Map<string, number>();
  for (const id of v.missing) missingByShard.set(produced.shardOf.get(id)!, (missingByShard.get(produced.shardOf.get(id)!) ?? 0) + 1);
  t.deepEqual(v.missing, [], `missing per shard: ${JSON.stringify([...missingByShard])}; ${mine} was w1's`);
  t.deepEqual([...v.behind], []);
  await w2.stop();
});
