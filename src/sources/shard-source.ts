/** Where records come from: a Kinesis stream, or anything shaped like one (see `file-shard-source.ts`). */
import type { SourceRecord, StartAt } from '../core/records.js';

export interface ShardInfo {
  shardId: string;
  parentShardId?: string;
  adjacentParentShardId?: string;
  /** The shard was closed by a split or merge; it ends once its records are read. */
  closed: boolean;
}

export interface ReadResult {
  records: SourceRecord[];
  millisBehindLatest: number;
  /** The shard is closed and every record has been returned. */
  ended: boolean;
}

/** Reads one shard from a start position, in order. */
export interface ShardReader {
  read(signal?: AbortSignal): Promise<ReadResult>;
  /** Releases what the reader holds (file handles, ...). Optional. */
  close?(): Promise<void>;
}

export interface ShardSource {
  listShards(): Promise<ShardInfo[]>;
  openReader(shardId: string, startAt: StartAt): ShardReader;
  close(): Promise<void>;
}
