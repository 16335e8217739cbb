/** Where checkpoints live. Small on purpose: `get` and `set`, like kinesis-consumer's Store. */
export interface CheckpointStore {
  /** The checkpointed sequence number of a shard, `SHARD_END`, or null when there is none. */
  get(shardId: string): Promise<string | null>;
  /**
   * Moves the checkpoint forward. Never moves it backwards: a lower sequence than the stored one is
   * ignored. Resolves to the value stored afterwards.
   */
  set(shardId: string, sequenceNumber: string): Promise<string>;
  close(): Promise<void>;
}

/** The Redis key of the original library: `<app>:checkpoint:<stream>:<shardId>`. */
export function checkpointKey(app: string, stream: string, shardId: string): string {
  return `${app}:checkpoint:${stream}:${shardId}`;
}
