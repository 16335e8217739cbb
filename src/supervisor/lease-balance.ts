/**
 * Which leases a worker takes in a round, decided from one view of the store: free and expired
 * leases first, up to ⌈active shards / live workers⌉; then, below that share, at most
 * `maxSteals` from the most loaded worker, and only from a worker above the share (or one lease
 * from a worker at the share, when the thief is two or more below it), so that a joining worker
 * gets its share without a storm of hand-offs and no two workers trade a shard back and forth.
 */
import type { LeaseState, LeaseView } from '../checkpoint/lease-store.js';

export interface BalanceInput {
  me: string;
  view: LeaseView;
  /** Shards this worker may read: listed, not finished, every parent finished. */
  candidates: ReadonlySet<string>;
  maxSteals: number;
  /**
   * The leases this incarnation holds. When given, a lease under `me` that is not among them was
   * left by an earlier process with the same worker id: it counts as free.
   */
  held?: ReadonlySet<string>;
  /** Picks where to start among equals (random by default), so that workers seldom race for one lease. */
  random?: () => number;
}

export interface BalancePlan {
  /** The share each live worker aims at. */
  target: number;
  take: Array<{ shardId: string; seenToken: number }>;
  steal: Array<{ shardId: string; victim: string; seenToken: number }>;
}

/** True when a live worker holds the lease at the view's time. */
export function isHeld(lease: LeaseState, now: number): boolean {
  return lease.owner !== null && lease.expiresAt > now;
}

function rotate<T>(items: T[], random: () => number): T[] {
  if (items.length < 2) return items;
  const start = Math.floor(random() * items.length);
  return [...items.slice(start), ...items.slice(0, start)];
}

export function planBalance({ me, view, candidates, maxSteals, held, random = Math.random }: BalanceInput): BalancePlan {
  const active = view.shards.filter((l) => candidates.has(l.shardId));
  const live = new Set(view.workers.map((w) => w.id));
  live.add(me);
  const target = Math.ceil(active.length / live.size);
  const load = new Map<string, LeaseState[]>();
  const free: LeaseState[] = [];
  for (const lease of active) {
    if (!isHeld(lease, view.now) || (held !== undefined && lease.owner === me && !held.has(lease.shardId))) {
      free.push(lease);
      continue;
    }
    const owner = lease.owner!;
    load.set(owner, [...(load.get(owner) ?? []), lease]);
  }
  const mine = load.get(me)?.length ?? 0;
  let need = target - mine;
  const plan: BalancePlan = { target, take: [], steal: [] };
  for (const lease of rotate(free, random)) {
    if (need <= 0) break;
    plan.take.push({ shardId: lease.shardId, seenToken: lease.token });
    need--;
  }
  if (need <= 0 || maxSteals <= 0) return plan;
  let victim: string | undefined;
  for (const [owner, leases] of load) {
    if (owner === me || leases.length < target) continue;
    if (victim === undefined || leases.length > load.get(victim)!.length || (leases.length === load.get(victim)!.length && owner < victim)) victim = owner;
  }
  if (victim === undefined) return plan;
  const theirs = load.get(victim)!;
  // A worker at the target gives one lease, and only to a worker two or more below it (9 shards on
  // 4 workers: [3, 3, 3, 0] would otherwise stay so); one below, the thief would leave it one below.
  const spare = theirs.length > target ? theirs.length - target : need >= 2 ? 1 : 0;
  const count = Math.min(maxSteals, need, spare);
  for (const lease of rotate(theirs, random).slice(0, count)) plan.steal.push({ shardId: lease.shardId, victim, seenToken: lease.token });
  return plan;
}
