/** Leases in Redis, beside the checkpoints, changed only by the Lua scripts of this folder. */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { checkpointKey } from './checkpoint-store.js';
import { leaseKey, workersKey, type LeaseStore, type LeaseView, type RenewResult } from './lease-store.js';

const script = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');

/** The scripts, as ioredis commands on the connection. */
export const LEASE_COMMANDS = {
  leaseRenew: script('lease-renew'),
  leaseView: script('lease-view'),
  leaseTake: script('lease-take'),
  leaseSteal: script('lease-steal'),
  leaseRelease: script('lease-release'),
  leaseForget: script('lease-forget'),
} as const;

type Reply = unknown;
type Command = (...args: Array<string | number>) => Promise<Reply>;
type LeaseRedis = Redis & Record<keyof typeof LEASE_COMMANDS, Command>;

/** Registers the scripts on a connection (one `numberOfKeys` per call: they take key lists). */
export function defineLeaseCommands(redis: Redis): void {
  for (const [name, lua] of Object.entries(LEASE_COMMANDS)) redis.defineCommand(name, { lua });
}

/** Glob-escapes a part of a SCAN pattern. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export class RedisLeaseStore implements LeaseStore {
  private readonly redis: LeaseRedis;

  constructor(redis: Redis, private readonly names: { app: string; stream: string }, private readonly wrap: <T>(what: string, call: () => Promise<T>) => Promise<T>) {
    this.redis = redis as LeaseRedis;
  }

  private lease(shardId: string): string {
    return leaseKey(this.names.app, this.names.stream, shardId);
  }

  private get workers(): string {
    return workersKey(this.names.app, this.names.stream);
  }

  private viewArgs(shardIds: readonly string[]): Array<string | number> {
    const { app, stream } = this.names;
    return [1 + 2 * shardIds.length, this.workers, ...shardIds.map((id) => this.lease(id)), ...shardIds.map((id) => checkpointKey(app, stream, id))];
  }

  private renewArgs(workerId: string, durationMs: number, held: ReadonlyMap<string, number>): Array<string | number> {
    const ids = [...held.keys()];
    return [1 + ids.length, this.workers, ...ids.map((id) => this.lease(id)), workerId, durationMs, ...ids.map((id) => held.get(id)!)];
  }

  renew(workerId: string, durationMs: number, held: ReadonlyMap<string, number>, shardIds: readonly string[]): Promise<{ renewed: RenewResult; view: LeaseView }> {
    return this.wrap('renewing leases in', async () => {
      // Both scripts go out in one pipeline, the renewal first: one round trip per round.
      const batch = this.redis.pipeline() as unknown as Record<'leaseRenew' | 'leaseView', (...args: Array<string | number>) => unknown>
        & { exec(): Promise<Array<[Error | null, Reply]> | null> };
      batch.leaseRenew(...this.renewArgs(workerId, durationMs, held));
      batch.leaseView(...this.viewArgs(shardIds));
      const replies = await batch.exec();
      if (!replies) throw new Error('the Redis pipeline was discarded');
      const [renewed, view] = replies;
      for (const [err] of replies) if (err) throw err;
      return { renewed: parseRenew(held, renewed[1]), view: parseView(shardIds, view[1]) };
    });
  }

  view(shardIds: readonly string[]): Promise<LeaseView> {
    return this.wrap('reading leases in', async () => parseView(shardIds, await this.redis.leaseView(...this.viewArgs(shardIds))));
  }

  take(shardId: string, workerId: string, durationMs: number, seenToken: number): Promise<number> {
    return this.wrap(`taking lease ${this.lease(shardId)} in`, async () => Number(await this.redis.leaseTake(1, this.lease(shardId), workerId, durationMs, seenToken)));
  }

  steal(shardId: string, workerId: string, durationMs: number, victim: string, seenToken: number): Promise<number> {
    return this.wrap(`stealing lease ${this.lease(shardId)} in`, async () =>
      Number(await this.redis.leaseSteal(1, this.lease(shardId), workerId, durationMs, victim, seenToken)));
  }

  release(workerId: string, held: ReadonlyMap<string, number>, leave: boolean): Promise<number> {
    const ids = [...held.keys()];
    return this.wrap('releasing leases in', async () => Number(await this.redis.leaseRelease(
      1 + ids.length, this.workers, ...ids.map((id) => this.lease(id)), workerId, leave ? '1' : '0', ...ids.map((id) => held.get(id)!))));
  }

  forget(shardIds: readonly string[]): Promise<number> {
    if (shardIds.length === 0) return Promise.resolve(0);
    return this.wrap('deleting leases of shards no longer in the stream in', async () =>
      Number(await this.redis.leaseForget(shardIds.length, ...shardIds.map((id) => this.lease(id)))));
  }

  leasedShards(): Promise<string[]> {
    const prefix = this.lease('');
    return this.wrap('listing leases in', async () => {
      const ids: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 1000);
        for (const key of keys) ids.push(key.slice(prefix.length));
        cursor = next;
      } while (cursor !== '0');
      return ids.sort();
    });
  }
}

function parseView(shardIds: readonly string[], reply: Reply): LeaseView {
  const [now, workers, shards] = reply as [number, string[], string[]];
  const view: LeaseView = { now: Number(now), workers: [], shards: [] };
  for (let i = 0; i < workers.length; i += 2) view.workers.push({ id: workers[i], expiresAt: Number(workers[i + 1]) });
  shardIds.forEach((shardId, i) => {
    const [owner, token, expires, checkpoint] = shards.slice(i * 4, i * 4 + 4);
    view.shards.push({ shardId, owner: owner || null, token: Number(token), expiresAt: Number(expires), checkpoint: checkpoint || null });
  });
  return view;
}

export function parseRenew(held: ReadonlyMap<string, number>, reply: Reply): RenewResult {
  const [now, flags] = reply as [number, number[]];
  const ids = [...held.keys()];
  return { now: Number(now), lost: ids.filter((_, i) => Number(flags[i]) !== 1) };
}
