/** Where records come from: a Kinesis stream, or anything shaped like one (see `file-shard-source.ts`). */
import type { RecordSpans, SourceRecord, StartAt } from '../core/records.js';

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

/** A `ReadResult` whose records are objects or spans (`RecordSpans`), whichever the reader holds. */
export interface RawReadResult extends Omit<ReadResult, 'records'> {
  records: SourceRecord[] | RecordSpans;
}

/** Reads one shard from a start position, in order. */
export interface ShardReader {
  read(signal?: AbortSignal): Promise<ReadResult>;
  /**
   * Optional: `read`, with the records as the reader holds them. The Kinesis reader holds a CBOR
   * answer's records as spans of its bytes, the file reader a read's lines as spans of its chunk
   * (`RecordSpans`): no object per record until one is asked for. The shard actor calls it instead
   * of `read` when a reader has it.
   */
  readRaw?(signal?: AbortSignal): Promise<RawReadResult>;
  /** Releases what the reader holds (file handles, ...). Optional. */
  close?(): Promise<void>;
}

export interface ShardSource {
  listShards(): Promise<ShardInfo[]>;
  openReader(shardId: string, startAt: StartAt): ShardReader;
  close(): Promise<void>;
}
