/**
 * Who reads what: every listed shard with its lease (owner, token, time left) and checkpoint, and
 * the live workers, read from the checkpoint store without taking part. `kinesis-connectors status`
 * prints it.
 */
import type { CheckpointStore } from '../checkpoint/checkpoint-store.js';
import { SHARD_END } from '../core/sequence.js';
import type { ShardSource } from '../sources/shard-source.js';
import { isHeld } from './lease-balance.js';

export interface ShardStatus {
  shardId: string;
  parentShardIds: string[];
  /** null: no live lease (free, expired, or no leases at all). */
  owner: string | null;
  token: number;
  /** ms until the lease expires (null without a live lease). */
  leaseExpiresInMs: number | null;
  checkpoint: string | null;
  /** Its checkpoint is SHARD_END: read to its end and all of it stored. */
  finished: boolean;
}

export interface StreamStatus {
  app: string;
  stream: string;
  /** False with a store without leases (the file store: one process reads every shard). */
  leases: boolean;
  workers: Array<{ id: string; heartbeatExpiresInMs: number; shards: number }>;
  shards: ShardStatus[];
}

export async function readStreamStatus(names: { app: string; stream: string }, source: ShardSource, store: CheckpointStore): Promise<StreamStatus> {
  const listed = await source.listShards();
  const ids = listed.map((s) => s.shardId);
  const parents = (i: (typeof listed)[number]) => [i.parentShardId, i.adjacentParentShardId].filter((p): p is string => p !== undefined);
  if (!store.leases) {
    const shards = await Promise.all(listed.map(async (info) => {
      const checkpoint = await store.get(info.shardId);
      return { shardId: info.shardId, parentShardIds: parents(info), owner: null, token: 0, leaseExpiresInMs: null, checkpoint, finished: checkpoint === SHARD_END };
    }));
    return { ...names, leases: false, workers: [], shards };
  }
  const view = await store.leases.view(ids);
  const shards = view.shards.map((l, i): ShardStatus => {
    const live = isHeld(l, view.now);
    return {
      shardId: l.shardId, parentShardIds: parents(listed[i]), owner: live ? l.owner : null, token: l.token,
      leaseExpiresInMs: live ? l.expiresAt - view.now : null, checkpoint: l.checkpoint, finished: l.checkpoint === SHARD_END,
    };
  });
  const workers = view.workers.map((w) => ({ id: w.id, heartbeatExpiresInMs: w.expiresAt - view.now, shards: shards.filter((s) => s.owner === w.id).length }));
  return { ...names, leases: true, workers, shards };
}

/** The status as a table for a terminal. */
export function formatStreamStatus(status: StreamStatus): string {
  const lines: string[] = [];
  const open = status.shards.filter((s) => !s.finished).length;
  lines.push(`app ${status.app}, stream ${status.stream}: ${status.shards.length} shards (${open} open), ` +
    (status.leases ? `${status.workers.length} live workers` : 'no leases (file checkpoint store: one process reads every shard)'));
  const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
  if (status.leases) {
    lines.push('', table([['worker', 'heartbeat expires in', 'shards'],
      ...status.workers.map((w) => [w.id, seconds(w.heartbeatExpiresInMs), String(w.shards)])]));
  }
  lines.push('', table([['shard', 'owner', 'token', 'lease expires in', 'checkpoint', 'finished'],
    ...status.shards.map((s) => [s.shardId, s.owner ?? '-', String(s.token), seconds(s.leaseExpiresInMs), s.checkpoint ?? '-', s.finished ? 'yes' : 'no'])]));
  return `${lines.join('\n')}\n`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
