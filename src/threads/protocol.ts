/**
 * Every message that crosses a thread boundary. RPC-style calls go through comlink (their argument
 * and result types are here too); one-way events are unions on `type`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Batch } from '../core/batch.js';
import type { LogEvent } from '../core/logger.js';
import type { RecordWindow, StartAt, TransformResult } from '../core/records.js';
import type { ShardInfo } from '../sources/shard-source.js';
import { SinkCheckError } from '../core/errors.js';

/**
 * A shard actor's report that more of its shard is stored: `position` is the sequence number below
 * which every batch is stored (or `SHARD_END` once a closed shard is read to its end and all of it
 * is stored). It is the one channel by which stored batches reach the supervisor; `emitted`
 * describes the batch whose acknowledgement caused the report (absent for empty batches).
 */
export interface ProgressEvent {
  type: 'progress';
  shardId: string;
  generation: number;
  /** The checkpoint the shard may move to now (null: nothing stored since the actor started). */
  position: string | null;
  /** `latencyMs`: from sending the batch to the emitter thread to its answer. */
  emitted?: { count: number; bytes: number; location: string; latencyMs: number };
}

export interface ActorFailedEvent {
  type: 'actor-failed';
  shardId: string;
  generation: number;
  error: SerializedError;
}

/** An actor's counts, as the supervisor keeps them. */
export interface ActorStats {
  read: number;
  filtered: number;
  deadLettered: number;
  /** MillisBehindLatest of the actor's latest GetRecords answer. */
  millisBehindLatest: number;
  /**
   * The actor's latest GetRecords answer held no records and had MillisBehindLatest 0, or its closed
   * shard ended: nothing is left to read. False from the actor's start until then, so while its
   * first read (or any read of a backlog) is in flight; a read in flight now is a poll at the tip.
   */
  caughtUp: boolean;
  /** When the actor last read a non-empty response, ms since the epoch. */
  lastReadAt: number;
  /** Records read but not yet acknowledged as stored (in the pool, the buffer or an emit). */
  busy: boolean;
}

export interface ShardStatsEvent extends ActorStats {
  type: 'stats';
  shardId: string;
  generation: number;
}

/**
 * A thread's event-loop delay over the last interval (about a second), in seconds: host threads
 * post it with their stats, emitter threads on a timer of their own.
 */
export interface LoopDelayEvent {
  type: 'loop-delay';
  /** `host-<i>` or `emitter-<i>`. */
  thread: string;
  p50: number;
  p99: number;
  max: number;
}

/** Events a shard host thread posts to the supervisor. */
export type HostEvent = ActorFailedEvent | ProgressEvent | ShardStatsEvent | LoopDelayEvent | LogEvent;
/** Events an emitter thread posts to the supervisor. */
export type EmitterEvent = LoopDelayEvent | LogEvent;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  retriable?: boolean;
  /** See `ConnectorError.permanent`. */
  permanent?: boolean;
  /** A SinkCheckError's sink and setting (the start-up check runs on an emitter thread). */
  sink?: string;
  setting?: string;
}

/** Records, bytes and batches an actor has had stored since it started. */
export interface EmittedTotals {
  count: number;
  bytes: number;
  batches: number;
}

/** A drained actor's final word: everything it read is stored up to `position`. */
export interface DrainedActor {
  shardId: string;
  generation: number;
  /** As in {@link ProgressEvent}: `SHARD_END` when its closed shard was read to the end. */
  position: string | null;
  /** Everything the actor had stored, including batches whose progress events are still on their way. */
  emitted: EmittedTotals;
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
  /** Stops every actor gracefully; answers with each actor's final stored position. */
  stopAll(): Promise<DrainedActor[]>;
  /** Answers once the thread has loaded everything it needs. */
  ready(): void;
  /**
   * The stream's shards, listed by this thread's source: the supervisor lists through a host thread
   * so that the main thread never loads the Kinesis SDK and its credential chain.
   */
  listShards(): Promise<ShardInfo[]>;
}

/** The transform relay's RPC surface, served by the main thread to each host thread. */
export interface TransformApi {
  run(window: RecordWindow): Promise<TransformResult>;
}

/**
 * The journal of batch boundaries (exactly-once objects), served by the main thread to each host
 * thread: the supervisor owns the checkpoint store and the leases that fence it.
 */
export interface BoundaryApi {
  /** The shard's journaled boundaries above its checkpoint, ascending. Refused for an actor that is no longer the shard's. */
  read(shardId: string, generation: number): Promise<string[]>;
  /** Journals a boundary before its batch is written. Refused (LeaseLostError) once this worker no longer holds the shard. */
  add(shardId: string, generation: number, sequenceNumber: string): Promise<void>;
}

/** An emitter thread's RPC surface, called by shard actors. */
export interface EmitterApi {
  /** Stores the batch (retrying within one budget) and answers where it went. */
  emit(batch: Batch): Promise<{ location: string }>;
}

/** Data given to each shard host thread at start. */
export interface ShardHostData {
  hostIndex: number;
  config: import('../config/config.js').ResolvedConfig;
  control: MessagePort;
  transform: MessagePort;
  emitters: MessagePort[];
  /** The boundary journal, when the emitter makes exactly-once objects. */
  boundaries?: MessagePort;
}

/** Data given to each emitter thread at start. */
export interface EmitterThreadData {
  emitterIndex: number;
  config: import('../config/config.js').ResolvedConfig;
  /** Run the sink's start-up check (`Emitter.check`) before answering ready (the first thread, at start-up). */
  check: boolean;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; retriable?: unknown; permanent?: unknown };
    return {
      name: e.name,
      message: e.message,
      stack: e.stack,
      code: typeof e.code === 'string' ? e.code : undefined,
      retriable: typeof e.retriable === 'boolean' ? e.retriable : undefined,
      permanent: typeof e.permanent === 'boolean' ? e.permanent : undefined,
      ...(err instanceof SinkCheckError ? { sink: err.sink, setting: err.setting } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.name === 'SinkCheckError' && s.sink !== undefined && s.setting !== undefined) {
    // Still a SinkCheckError on this side, for callers of `start()` that test for the class.
    const check = new SinkCheckError(s.sink, s.setting, '', undefined);
    check.message = s.message;
    if (s.stack) check.stack = s.stack;
    return check;
  }
  const err = new Error(s.message) as Error & { code?: string; retriable?: boolean; permanent?: boolean };
  err.name = s.name;
  if (s.stack) err.stack = s.stack;
  if (s.code !== undefined) err.code = s.code;
  if (s.retriable !== undefined) err.retriable = s.retriable;
  if (s.permanent !== undefined) err.permanent = s.permanent;
  return err;
}
