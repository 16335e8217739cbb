/**
 * Every message that crosses a thread boundary. RPC-style calls go through comlink (their argument
 * and result types are here too); one-way events are unions on `type`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LogEvent } from '../core/logger.js';

/** Where a shard actor starts reading. */
export type StartAt =
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: number };

/** A slice of one shard's records, packed for the transform pool (buffers are transferred). */
export interface RecordWindow {
  shardId: string;
  /** Record bytes back to back; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: ArrayBuffer;
  offsets: Uint32Array;
  /**
   * Sequence numbers and partition keys, UTF-8, back to back (strings would be cloned at every hop):
   * record i's sequence number is `keys[keyOffsets[2i] .. keyOffsets[2i+1])` and its partition key
   * `keys[keyOffsets[2i+1] .. keyOffsets[2i+2])`.
   */
  keys: ArrayBuffer;
  keyOffsets: Uint32Array;
  /** Approximate arrival time of each record, ms since the epoch (NaN when unknown). */
  arrivals: Float64Array;
}

/** A record whose transform threw: kept whole so the dead-letter sink can store it. */
export interface TransformFailure {
  index: number;
  dataBase64: string;
  error: { name: string; message: string; stack?: string };
}

/** The pool's answer for one window. Outputs each end with "\n"; output j is `data[offsets[j] .. offsets[j+1])`. */
export interface TransformResult {
  data: ArrayBuffer;
  offsets: Uint32Array;
  /** Index in the window of each kept output, ascending. */
  keptIndex: Uint32Array;
  filtered: number;
  failures: TransformFailure[];
}

/** A flushed buffer on its way to an emitter actor (buffers are transferred). */
export interface EmitBatch {
  shardId: string;
  generation: number;
  batchNo: number;
  firstSeq: string;
  lastSeq: string;
  count: number;
  /** Records, each followed by "\n"; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: ArrayBuffer;
  offsets: Uint32Array;  /** Sequence numbers, packed (see `packStrings`): record i's is `seqs[seqOffsets[i] .. seqOffsets[i+1])`. */
  seqs: ArrayBuffer;
  seqOffsets: Uint32Array;
  /** When the batch was cut, ms since the epoch (dates the object key). */
  createdAt: number;
}

/** An emitter actor's (or, for an empty batch, the shard actor's) report that a batch is stored. */
export interface AckEvent {
  type: 'ack';
  shardId: string;
  generation: number;
  batchNo: number;
  lastSeq: string;
  count: number;
  bytes: number;
  /** Where the batch went (object key, file path); absent for empty batches. */
  location?: string;
}

export interface ActorFailedEvent {
  type: 'actor-failed';
  shardId: string;
  generation: number;
  error: SerializedError;
}

export interface ShardEndedEvent {
  type: 'shard-ended';
  shardId: string;
  generation: number;
  /** Number of batches the actor produced (batch numbers 0 .. batches-1). */
  batches: number;
}

export interface ShardStatsEvent {
  type: 'stats';
  shardId: string;
  generation: number;
  read: number;
  filtered: number;
  deadLettered: number;
  millisBehindLatest: number;
  /** When the actor last read a non-empty response, ms since the epoch. */
  lastReadAt: number;
  /** Records read but not yet acknowledged as stored (in the pool, the buffer or an emit). */
  busy: boolean;
}

/** Events a shard host thread posts to the supervisor. */
export type HostEvent = ActorFailedEvent | ShardEndedEvent | ShardStatsEvent | AckEvent | LogEvent;
/** Events an emitter thread posts to the supervisor. */
export type EmitterEvent = AckEvent | LogEvent;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  retriable?: boolean;
}

export interface DrainedActor {
  shardId: string;
  generation: number;
  batches: number;
  ended: boolean;
}

export interface StartActorRequest {
  shardId: string;
  generation: number;
  startAt: StartAt;
  /** Which emitter thread's port this actor sends batches to. */
  emitterIndex: number;
}

/** The host thread's RPC surface, called by the supervisor. */
export interface ShardHostApi {
  startActor(request: StartActorRequest): void;
  /** Stops reading, drains, flushes and waits until every batch is acknowledged. */
  stopActor(shardId: string): Promise<void>;
  /** Aborts an actor as a crash would (its buffer is dropped; it is reported as failed). */
  killActor(shardId: string, reason: string): void;
  /** Stops every actor gracefully; reports how many batches each produced and whether its shard ended. */
  stopAll(): Promise<DrainedActor[]>;
  /** Answers once the thread has loaded everything it needs. */
  ready(): void;
}

/** The transform relay's RPC surface, served by the main thread to each host thread. */
export interface TransformApi {
  run(window: RecordWindow): Promise<TransformResult>;
}

/** An emitter thread's RPC surface, called by shard actors. */
export interface EmitterApi {
  emit(batch: EmitBatch): Promise<{ location: string }>;
}

/** Data given to each shard host thread at start. */
export interface ShardHostData {
  hostIndex: number;
  config: import('../config/config.js').ResolvedConfig;
  control: MessagePort;
  transform: MessagePort;
  emitters: MessagePort[];
}

/** Data given to each emitter thread at start. */
export interface EmitterThreadData {
  emitterIndex: number;
  config: import('../config/config.js').ResolvedConfig;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; retriable?: unknown };
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: typeof e.code === 'string' ? e.code : undefined,
      retriable: typeof e.retriable === 'boolean' ? e.retriable : undefined,
    };
  }
  return { name: 'Error', message: String(err) };
}

export function deserializeError(s: SerializedError): Error {
  const err = new Error(s.message) as Error & { code?: string; retriable?: boolean };
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  if (s.code !== undefined) err.code = s.code;
  if (s.retriable !== undefined) err.retriable = s.retriable;
  return err;
}
