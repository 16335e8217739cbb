// What leases cost Redis: W simulated workers (LeaseCoordinators, each with its own connection)
// share N shards on a private Redis. Counts, per worker round, the network round trips (calls of
// the lease store), the commands Redis ran and the CPU it spent, then derives Redis' load at the
// default interval. Also how many rounds balancing takes from a cold start and how many times a
// shard moved (a worker that starts first takes every free lease; the others steal `maxSteals` per round).
// `npm run bench:leases [-- --rounds 20 --out file.json]`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisCheckpointStore } from '../src/checkpoint/redis-checkpoint-store.js';
import type { LeaseStore } from '../src/checkpoint/lease-store.js';
import { DEFAULTS } from '../src/config/defaults.js';
import { silentLogger } from '../src/core/logger.js';
import { LeaseCoordinator } from '../src/supervisor/lease-coordinator.js';
import { median } from './common.js';
import { PrivateRedis } from './soak/private-redis.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, out: { type: 'string' } } });
const ROUNDS = Number(flags.rounds ?? 20);
const DEFAULT_RENEW_MS = Math.floor(DEFAULTS.lease.durationMs / 3);
const CASES = [
  { shards: 8, workers: 1, maxSteals: 1 }, { shards: 8, workers: 3, maxSteals: 1 }, { shards: 1000, workers: 1, maxSteals: 1 },
  { shards: 1000, workers: 3, maxSteals: 1 }, { shards: 1000, workers: 3, maxSteals: 20 }, { shards: 1000, workers: 10, maxSteals: 1 },
];

/** Counts the calls (each one network round trip) a coordinator makes to its store. */
function counted(store: LeaseStore): { store: LeaseStore; calls: () => number } {
  let calls = 0;
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls: () => calls };
}

async function redisStats(admin: Redis): Promise<{ commands: number; cpuMs: number }> {
  const info = await admin.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return { commands: field('total_commands_processed'), cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000 };
}

async function runCase(url: string, admin: Redis, { shards, workers, maxSteals }: (typeof CASES)[number], n: number, index: number) {
  const app = `bench${index}`;
  const stream = 'leases';
  const ids = Array.from({ length: shards }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
  const input = () => ({ shardIds: ids, candidates: new Set(ids) });
  const owners = new Map<string, string>();
  let moves = 0;
  const stores = Array.from({ length: workers }, () => new RedisCheckpointStore({ app, stream, url }));
  const coordinators = stores.map((s, w) => {
    const { store, calls } = counted(s.leases);
    const id = `worker-${w}`;
    const c = new LeaseCoordinator(store, id, { durationMs: 60_000, renewIntervalMs: DEFAULT_RENEW_MS, maxStealsPerInterval: maxSteals }, silentLogger, {
      acquired: (shardId) => {
        if (owners.has(shardId)) moves++;
        owners.set(shardId, id);
      },
      lost: () => undefined,
      viewed: () => undefined,
    });
    return { c, calls };
  });
  // Cold start: workers join one after another (each registers with its first round), then rounds
  // go round-robin until a full pass changes nothing.
  let balancingRounds = 0;
  for (let settled = false; !settled && balancingRounds < 1000; balancingRounds++) {
    const before = coordinators.map(({ c }) => c.owned().join());
    for (const { c } of coordinators) await c.round(input);
    settled = balancingRounds > 0 && coordinators.every(({ c }, i) => c.owned().join() === before[i]);
  }
  const spread = coordinators.map(({ c }) => c.owned().length);
  // Steady state.
  const callsBefore = coordinators.map(({ calls }) => calls());
  const statsBefore = await redisStats(admin);
  const latencies: number[] = [];
  for (let r = 0; r < n; r++) {
    for (const { c } of coordinators) {
      const t0 = performance.now();
      await c.round(input);
      latencies.push(performance.now() - t0);
    }
  }
  const statsAfter = await redisStats(admin);
  const rounds = n * workers;
  const tripsPerRound = coordinators.reduce((sum, { calls }, i) => sum + calls() - callsBefore[i], 0) / rounds;
  // INFO itself is one command.
  const commandsPerRound = (statsAfter.commands - statsBefore.commands - 1) / rounds;
  const redisCpuMsPerRound = (statsAfter.cpuMs - statsBefore.cpuMs) / rounds;
  for (const { c } of coordinators) await c.releaseAll();
  await Promise.all(stores.map((s) => s.close()));
  const perSecond = (perRound: number) => (perRound * workers * 1000) / DEFAULT_RENEW_MS;
  return {
    shards, workers, maxSteals, balancingRounds, spread, moves,
    tripsPerWorkerRound: tripsPerRound, commandsPerWorkerRound: commandsPerRound,
    roundMedianMs: median(latencies), redisCpuMsPerWorkerRound: redisCpuMsPerRound,
    atDefaults: { renewIntervalMs: DEFAULT_RENEW_MS, roundTripsPerSecond: perSecond(tripsPerRound), redisCpuPercent: perSecond(redisCpuMsPerRound) / 10 },
  };
}

const dir = await mkdtemp(join(tmpdir(), 'kc-bench-leases-'));
const redis = await PrivateRedis.start(dir);
const admin = new Redis(redis.url);
try {
  const results = [];
  for (const [i, c] of CASES.entries()) results.push(await runCase(redis.url, admin, c, ROUNDS, i));
  console.table(results.map((r) => ({
    shards: r.shards, workers: r.workers, 'max steals': r.maxSteals, 'rounds to balance': r.balancingRounds, spread: r.spread.join('/'), moves: r.moves,
    'trips/worker round': r.tripsPerWorkerRound.toFixed(2), 'cmds/worker round': r.commandsPerWorkerRound.toFixed(2),
    'round ms (median)': r.roundMedianMs.toFixed(2), 'Redis CPU ms/round': r.redisCpuMsPerWorkerRound.toFixed(2),
    'trips/s at defaults': r.atDefaults.roundTripsPerSecond.toFixed(2), 'Redis CPU % at defaults': r.atDefaults.redisCpuPercent.toFixed(3),
  })));
  const out = flags.out ?? new URL('../../bench/results/leases-last-run.json', import.meta.url).pathname;
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), rounds: ROUNDS, results }, null, 2)}\n`);
  console.log(`written to ${out}`);
} finally {
  admin.disconnect();
  await redis.shutdown();
  await rm(dir, { recursive: true, force: true });
}
