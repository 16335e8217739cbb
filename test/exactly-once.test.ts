// Exactly-once objects: a worker process SIGKILLed again and again at random moments, with batches
// cut by age all the time, leaves every record of the stream in exactly one object, once. The same
// run with `emitter.exactlyOnce: false` shows what the journal prevents.
import test, { type ExecutionContext } from 'ava';
import { createStream } from '../src/aws/create-stream.js';
import { listObjectsPage, readObjects, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { fleet, isMsg, Load, verify, type Fleet } from './helpers/worker-processes.js';
import { fixture } from './helpers/pipeline-options.js';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

const MAX_RECORDS = 200;

interface Stored {
  objects: number;
  /** Objects of fewer than MAX_RECORDS records: cut by age (or at a stop). */
  short: number;
  /** `shard/seq` of each record stored more than once, with how often. */
  repeated: Map<string, number>;
  /** Objects that share a record with another object. */
  overlapping: number;
  /** Records in an object whose key names another `kind=` partition than theirs. */
  misplaced: string[];
}

async function stored(f: Fleet): Promise<Stored> {
  const objects = await readObjects(env.s3Client, env.bucket, `${f.stream}/`);
  const where = new Map<string, string[]>();
  const misplaced: string[] = [];
  for (const o of objects) {
    for (const line of o.lines) {
      const { shard, seq, kind } = JSON.parse(line) as { shard?: string; seq?: string; kind?: string };
      if (typeof shard !== 'string' || typeof seq !== 'string') throw new Error(`${o.key} holds a line without shard and seq: ${line}`);
      const keyKind = /\/kind=([^/]+)\//.exec(o.key)?.[1];
      if (keyKind !== undefined && keyKind !== kind) misplaced.push(`${shard}/${seq} (${kind}) in ${o.key}`);
      const at = where.get(`${shard}/${seq}`) ?? [];
      at.push(o.key);
      where.set(`${shard}/${seq}`, at);
    }
  }
  const repeated = new Map([...where].filter(([, keys]) => keys.length > 1).map(([k, keys]) => [k, keys.length]));
  const overlapping = new Set([...where.values()].filter((keys) => keys.length > 1).flat()).size;
  return { objects: objects.length, short: objects.filter((o) => o.lines.length < MAX_RECORDS).length, repeated, overlapping, misplaced };
}

async function objectCount(f: Fleet): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await listObjectsPage(env.s3Client, env.bucket, `${f.stream}/`, token);
    n += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return n;
}

/** Starts a worker, SIGKILLs it at a random moment after it stored something; `kills` times, under load. Then a last one reads to the end. */
async function killRepeatedly(t: ExecutionContext, exactlyOnce: boolean, kills: number, partitioned = false) {
  const stream = uniqueName(exactlyOnce ? 'eo' : 'alo');
  const f = await fleet(t, env, uniqueName('app'), stream, {
    lease: { durationMs: 1500, renewIntervalMs: 300 },
    // A checkpoint a second: each kill leaves stored batches (and journaled boundaries) above it.
    checkpointIntervalMs: 1000,
    extra: {
      // The transform adds each record's shard and sequence number to what is stored.
      // Partitioned: records also get a `kind` (from their id), and objects are keyed by it.
      transform: { module: fixture(partitioned ? 'transform-tag-kind.js' : 'transform-tag.js'), threads: 1, windowRecords: 250 },
      buffer: { maxRecords: MAX_RECORDS, maxBytes: 1 << 20, maxAgeMs: 150, ...(partitioned ? { maxOpenPartitions: 2 } : {}) },
      emitter: { type: 's3', bucket: env.bucket, prefix: `${stream}/`, endpoint: env.s3.endpoint, forcePathStyle: true, exactlyOnce,
        ...(partitioned ? { key: 'kind={field:kind}/{shardId}/{firstSeq}-{lastSeq}' } : {}) },
    },
  });
  await createStream(env.kinesisClient, stream, 2);
  const load = new Load(env, stream, 'r', 40, 100);
  let replays = 0;
  for (let k = 0; k < kills; k++) {
    // One worker id throughout: a restarted worker resumes its own leases at once.
    const w = await f.start('w1');
    // Killed only once it has stored something new (on a loaded machine a start-up can take
    // seconds), then at a random moment within the next 1.5 s.
    const before = await objectCount(f);
    await waitFor(async () => (await objectCount(f)) > before, 60_000, 'a new object stored');
    await new Promise((r) => setTimeout(r, Math.random() * 1500));
    w.signal('SIGKILL');
    await w.exited;
    replays += w.find(isMsg('cutting batches again')).length;
  }
  const produced = await load.stop();
  const last = await f.start('w1');
  const v = await verify(f, load.ids, produced);
  t.is((await last.stop()).code, 0);
  replays += last.find(isMsg('cutting batches again')).length;
  return { v, s: await stored(f), replays };
}

test.serial('SIGKILL 12 times at random moments with age cuts: every record is in exactly one object, once, and none is missing', async (t) => {
  const { v, s, replays } = await killRepeatedly(t, true, 12);
  t.log(`${v.produced} records produced, ${s.objects} objects (${s.short} cut by age or at a stop), ` +
    `${replays} actor starts cut again at journaled boundaries`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.true(s.short >= 3, 'batches were cut by age');
  t.true(replays > 0, 'restarted actors met journaled boundaries above their checkpoint');
  t.deepEqual([...s.repeated].slice(0, 10), [], `${s.repeated.size} records stored more than once`);
  t.is(s.overlapping, 0, 'no object holds a record another object holds');
});

test.serial('the same with exactlyOnce off (5 kills): records are stored again under other boundaries (what the journal prevents)', async (t) => {
  const { v, s, replays } = await killRepeatedly(t, false, 5);
  t.log(`${v.produced} records produced, ${s.objects} objects, ${s.repeated.size} records stored more than once, ${s.overlapping} overlapping objects`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.is(replays, 0, 'no journal without exactlyOnce');
  t.true(s.repeated.size > 0 && s.overlapping > 0, 'at-least-once objects overlap after SIGKILLs');
});

test.serial('with objects per partition ({field:kind}, maxOpenPartitions 2): SIGKILL 6 times, every record in exactly one object, that of its kind', async (t) => {
  const { v, s, replays } = await killRepeatedly(t, true, 6, true);
  t.log(`${v.produced} records produced, ${s.objects} objects (${s.short} short), ${replays} actor starts cut again at journaled boundaries`);
  t.deepEqual(v.missing.slice(0, 10), [], `${v.missing.length} records missing`);
  t.deepEqual([...v.behind], [], 'every checkpoint at its shard\'s last sequence number');
  t.true(s.objects > 0);
  t.deepEqual(s.misplaced.slice(0, 10), [], `${s.misplaced.length} records in an object of another kind`);
  t.deepEqual([...s.repeated].slice(0, 10), [], `${s.repeated.size} records stored more than once`);
  t.is(s.overlapping, 0, 'no object holds a record another object holds');
});
