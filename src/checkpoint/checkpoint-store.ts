/** Where checkpoints live. Small on purpose: `get` and `set`, like kinesis-consumer's Store. */
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
}

/** The Redis key of the original library: `<app>:checkpoint:<stream>:<shardId>`. */
export function checkpointKey(app: string, stream: string, shardId: string): string {
  return `${app}:checkpoint:${stream}:${shardId}`;
}
