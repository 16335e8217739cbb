/** What the Pipeline reports of itself: its totals and whether it has caught up. */
import type { EmittedTotals } from '../threads/protocol.js';
import { Checkpointer } from './checkpointer.js';
import type { ShardEntry, ShardRegistry } from './shard-registry.js';

/** Totals since start, across all shards. */
export interface PipelineStats {
  shards: { total: number; running: number; finished: number; restarting: number; waiting: number };
  recordsRead: number;
  recordsEmitted: number;
  recordsFiltered: number;
  recordsDeadLettered: number;
  batchesEmitted: number;
  bytesEmitted: number;
  restarts: number;
  checkpointsWritten: number;
  maxMillisBehindLatest: number;
  checkpoints: Record<string, string | null>;
}

/** Totals over every shard of the registry (every actor each shard had). */
export function collectStats(registry: ShardRegistry, counters: { restarts: number; checkpointsWritten: number }): PipelineStats {
  let read = 0, filtered = 0, dead = 0, behind = 0;
  const emitted = { count: 0, bytes: 0, batches: 0 };
  const checkpoints: Record<string, string | null> = {};
  for (const s of registry.values()) {
    addEmitted(emitted, s.emitted);
    read += s.base.read + s.stats.read;
    filtered += s.base.filtered + s.stats.filtered;
    dead += s.base.deadLettered + s.stats.deadLettered;
    if (s.state === 'running') behind = Math.max(behind, s.stats.millisBehindLatest);
    checkpoints[s.shardId] = s.committed;
  }
  return {
    shards: registry.counts(), recordsRead: read, recordsEmitted: emitted.count, recordsFiltered: filtered,
    recordsDeadLettered: dead, batchesEmitted: emitted.batches, bytesEmitted: emitted.bytes,
    restarts: counters.restarts, checkpointsWritten: counters.checkpointsWritten, maxMillisBehindLatest: behind, checkpoints,
  };
}

/** `Pipeline.isIdle`: see its documentation. */
export function caughtUp(registry: ShardRegistry, idleMs: number, mayRead: (s: ShardEntry) => boolean = () => true, now = Date.now()): boolean {
  for (const s of registry.values()) {
    if (s.state === 'restarting') return false;
    if (s.state === 'waiting' && registry.parentsFinished(s) && mayRead(s)) return false;
    if (s.state === 'running' && (!s.stats.caughtUp || s.stats.busy || now - s.stats.lastReadAt < idleMs)) return false;
    if (!Checkpointer.upToDate(s)) return false;
  }
  return true;
}

export function addEmitted(to: EmittedTotals, add: EmittedTotals): void {
  to.count += add.count;
  to.bytes += add.bytes;
  to.batches += add.batches;
}
