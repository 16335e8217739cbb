/**
 * Leases: which worker reads which shard, when several processes share one stream. Each shard's
 * lease sits beside its checkpoint, `<app>:lease:<stream>:<shardId>`: its owner, a token that grows
 * on every take (the fencing token checkpoint writes carry) and an expiry from the store's clock.
 */

/** What a checkpoint write carries when leases are on: it is refused once the lease moved on. */
export interface LeaseFence {
  owner: string;
  token: number;
}

/** One shard's lease and checkpoint, as a round saw them. */
export interface LeaseState {
  shardId: string;
  /** null: never taken or released. */
  owner: string | null;
  /** 0: never taken. */
  token: number;
  /** ms on the store's clock (compare with `LeaseView.now`). */
  expiresAt: number;
  checkpoint: string | null;
}

export interface LeaseView {
  /** The store's clock, ms. */
  now: number;
  /** Workers whose heartbeat has not expired, with its expiry. */
  workers: Array<{ id: string; expiresAt: number }>;
  shards: LeaseState[];
}

export interface RenewResult {
  /** The store's clock, ms. */
  now: number;
  /** Held leases that are no longer this worker's (taken by another since). */
  lost: string[];
}

export interface LeaseStore {
  /** Heartbeat plus renewal of every held lease, and the view of `shardIds`: one round trip. */
  renew(workerId: string, durationMs: number, held: ReadonlyMap<string, number>, shardIds: readonly string[]): Promise<{ renewed: RenewResult; view: LeaseView }>;
  /** Reads only: the live workers and the leases and checkpoints of `shardIds`. */
  view(shardIds: readonly string[]): Promise<LeaseView>;
  /** Takes a free or expired lease still at `seenToken`. Resolves to the new token, or 0. */
  take(shardId: string, workerId: string, durationMs: number, seenToken: number): Promise<number>;
  /** Takes `victim`'s lease still at `seenToken`. Resolves to the new token, or 0. */
  steal(shardId: string, workerId: string, durationMs: number, victim: string, seenToken: number): Promise<number>;
  /** Frees held leases (and with `leave`, removes the worker from the registry). Resolves to how many. */
  release(workerId: string, held: ReadonlyMap<string, number>, leave: boolean): Promise<number>;
  /** Deletes the leases of `shardIds` that no live worker holds. Resolves to how many. */
  forget(shardIds: readonly string[]): Promise<number>;
  /** The shard ids that have a lease key. */
  leasedShards(): Promise<string[]>;
}

export function leaseKey(app: string, stream: string, shardId: string): string {
  return `${app}:lease:${stream}:${shardId}`;
}

/** The heartbeat registry of an app's workers on a stream. */
export function workersKey(app: string, stream: string): string {
  return `${app}:workers:${stream}`;
}
