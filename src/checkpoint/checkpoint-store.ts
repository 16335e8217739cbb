/** Where checkpoints live. Small on purpose: `get` and `set`, like kinesis-consumer's Store. */
import { compareSequence } from '../core/sequence.js';
import type { LeaseFence, LeaseStore } from './lease-store.js';

export interface CheckpointStore {
  /** The checkpointed sequence number of a shard, `SHARD_END`, or null when there is none. */
  get(shardId: string): Promise<string | null>;
  /**
   * Moves the checkpoint forward. Never moves it backwards: a lower sequence than the stored one is
   * ignored. Resolves to the value stored afterwards. With `fence` (when the store has leases), the
   * write is refused with a `LeaseLostError` once the shard's lease is no longer `fence`'s.
   */
  set(shardId: string, sequenceNumber: string, fence?: LeaseFence): Promise<string>;
  /**
   * Called once before the pipeline reads anything. A store that cannot be shared by two processes
   * refuses a second one here (the file store's lock). Optional.
   */
  open?(): Promise<void>;
  /**
   * The start-up check, run before any shard is read: the store is reachable (Redis: connects,
   * authenticates, answers PING). Rejects with a `SinkCheckError`. Optional.
   */
  check?(): Promise<void>;
  close(): Promise<void>;
  /** The store's leases, when several workers can share a stream through it (Redis). */
  readonly leases?: LeaseStore;
  /** The journal of batch boundaries that exactly-once objects need (`emitter.exactlyOnce`). Optional. */
  readonly cuts?: CutJournal;
}

/**
 * Exactly-once objects: each shard's batch boundaries that were cut by age or at a stop (cuts on
 * count or bytes fall in the same places again by themselves), journaled before their batch is
 * written, so an actor reading the shard again after a crash cuts exactly there. Boundaries the
 * checkpoint has passed are dropped (the journal holds only what a restart may meet again).
 */
export interface CutJournal {
  /** A shard's journaled boundaries above its checkpoint, ascending. */
  read(shardId: string): Promise<string[]>;
  /**
   * Journals a boundary durably. With `fence`, refused with a `LeaseLostError` once the shard's
   * lease is no longer `fence`'s (a stale worker must not cut where the owner will not).
   */
  add(shardId: string, sequenceNumber: string, fence?: LeaseFence): Promise<void>;
}

/** The Redis key of the original library: `<app>:checkpoint:<stream>:<shardId>`. */
export function checkpointKey(app: string, stream: string, shardId: string): string {
  return `${app}:checkpoint:${stream}:${shardId}`;
}

/** The journaled boundaries above `checkpoint` (all of them without one), ascending: what {@link CutJournal.read} answers. */
export function cutsAbove(cuts: readonly string[], checkpoint: string | null): string[] {
  return cuts.filter((c) => checkpoint === null || compareSequence(c, checkpoint) > 0).sort(compareSequence);
}

/** The key of a shard's journal of batch boundaries: `<app>:cuts:<stream>:<shardId>`. */
export function cutsKey(app: string, stream: string, shardId: string): string {
  return `${app}:cuts:${stream}:${shardId}`;
}
