/**
 * The supervisor's map of shards and the state machine each one follows. Every change of state goes
 * through `transition`, which refuses a move the table does not allow:
 *
 * ```
 *   waiting ◀─▶ running ◀──▶ restarting
 *      │  ▲        │             │  │
 *      │  └────────┼─────────────┘  │
 *      └───────────┴──▶ finished ◀──┘
 * ```
 *
 * - waiting: listed, not started (its parents are not finished yet, it was just listed, or another
 *   worker holds its lease; a running or restarting shard whose lease is lost goes back here);
 * - running: an actor reads it;
 * - restarting: its actor failed; a new one starts after the backoff;
 * - finished: its checkpoint is SHARD_END (read to the end of a closed shard and all of it stored).
 */
import { ConnectorError } from '../core/errors.js';
import { SHARD_END, compareSequence } from '../core/sequence.js';
import type { ShardInfo } from '../sources/shard-source.js';
import type { ActorStats, EmittedTotals } from '../threads/protocol.js';

export type ShardState = 'waiting' | 'running' | 'restarting' | 'finished';

/** The moves each state allows. */
export const TRANSITIONS: Readonly<Record<ShardState, readonly ShardState[]>> = {
  waiting: ['running', 'finished'],
  running: ['restarting', 'finished', 'waiting'],
  restarting: ['running', 'finished', 'waiting'],
  finished: [],
};

export interface ShardEntry {
  readonly shardId: string;
  info: ShardInfo;
  readonly state: ShardState;
  /** Host thread and emitter thread of its actor (-1 until first started). */
  host: number;
  emitter: number;
  /** Bumped at every actor start; events of older actors are ignored. */
  generation: number;
  /** Everything up to here is stored, as the actors reported (null: nothing yet). Never moves back. */
  position: string | null;
  /** The value in the checkpoint store (null: none). */
  committed: string | null;
  /** Start times of recent restarts, for the restart budget. */
  restarts: number[];
  restartTimer?: NodeJS.Timeout;
  /** When the shard's first actor started (the meaning of LATEST until a checkpoint exists). */
  firstStartedAt?: number;
  lastError?: string;
  /** The current actor's counts. */
  stats: ActorStats;
  /** Counts of earlier actors, folded in when an actor is replaced. */
  base: { read: number; filtered: number; deadLettered: number };
  /** Stored since start, by every actor of the shard. */
  emitted: EmittedTotals;
  /** Stored by the current actor as its progress events said; replaced by its drain answer. */
  emittedByActor: EmittedTotals;
  /** The current actor was drained: its counts came with the answer, later events add nothing. */
  drained: boolean;
}

type MutableEntry = { -readonly [K in keyof ShardEntry]: ShardEntry[K] };

export class ShardRegistry {
  private readonly shards = new Map<string, MutableEntry>();
  private listed = new Set<string>();

  get size(): number {
    return this.shards.size;
  }

  get(shardId: string): ShardEntry | undefined {
    return this.shards.get(shardId);
  }

  values(): IterableIterator<ShardEntry> {
    return this.shards.values();
  }

  /** Takes a fresh shard listing: new shards are added (finished when their checkpoint is SHARD_END). */
  async update(list: ShardInfo[], readCheckpoint: (shardId: string) => Promise<string | null>): Promise<void> {
    this.listed = new Set(list.map((i) => i.shardId));
    for (const info of list) {
      const known = this.shards.get(info.shardId);
      if (known) {
        known.info = info;
        continue;
      }
      const committed = await readCheckpoint(info.shardId);
      this.shards.set(info.shardId, {
        shardId: info.shardId, info, state: committed === SHARD_END ? 'finished' : 'waiting', host: -1, emitter: -1, generation: 0,
        position: null, committed, restarts: [],
        stats: { read: 0, filtered: 0, deadLettered: 0, millisBehindLatest: 0, caughtUp: false, lastReadAt: Date.now(), busy: false },
        base: { read: 0, filtered: 0, deadLettered: 0 },
        emitted: { count: 0, bytes: 0, batches: 0 }, emittedByActor: { count: 0, bytes: 0, batches: 0 }, drained: false,
      });
    }
  }

  isListed(shardId: string): boolean {
    return this.listed.has(shardId);
  }

  /** Shards known before that the latest listing no longer has. */
  unlisted(): string[] {
    return [...this.shards.keys()].filter((id) => !this.listed.has(id));
  }

  /**
   * Takes the stored checkpoint as the shard's truth (a lease was taken, or another worker read it):
   * what this worker had stored beyond it is read again.
   */
  resetTo(s: ShardEntry, committed: string | null): void {
    s.committed = committed;
    s.position = null;
  }

  /** Waiting shards whose parents are finished (or no longer listed: trimmed) and that `owned` allows, in listing order. */
  startable(owned: (s: ShardEntry) => boolean = () => true): ShardEntry[] {
    return [...this.shards.values()].filter((s) => s.state === 'waiting' && this.parentsFinished(s) && owned(s));
  }

  /** True when every parent of the shard is finished or no longer listed. */
  parentsFinished(s: ShardEntry): boolean {
    const parents = [s.info.parentShardId, s.info.adjacentParentShardId].filter((p): p is string => p !== undefined);
    return parents.every((p) => !this.listed.has(p) || this.shards.get(p)?.state === 'finished');
  }

  /** Moves a shard to `to`; a move the table does not allow is a programmer error. */
  transition(s: ShardEntry, to: ShardState): void {
    if (!TRANSITIONS[s.state].includes(to)) {
      throw new ConnectorError(`shard ${s.shardId} cannot go from ${s.state} to ${to}`, { code: 'INVALID_TRANSITION' });
    }
    (s as MutableEntry).state = to;
  }

  /** Records that everything up to `position` is stored; an older position changes nothing. */
  advance(s: ShardEntry, position: string | null): void {
    if (position === null) return;
    if (s.position === null || compareSequence(position, s.position) > 0) s.position = position;
  }

  counts(): Record<ShardState, number> & { total: number } {
    const counts = { total: this.shards.size, running: 0, finished: 0, restarting: 0, waiting: 0 };
    for (const s of this.shards.values()) counts[s.state]++;
    return counts;
  }
}
