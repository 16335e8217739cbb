/**
 * What the endpoints read of a running pipeline: one snapshot, taken on the main thread from what
 * the threads already report. The narrow interface between the supervisor and `src/http/`: the
 * supervisor builds it (`supervisor/pipeline-telemetry.ts`), nothing here imports the supervisor.
 */

/** One shard as this worker sees it. Counts are since start, every actor of the shard included. */
export interface ShardRow {
  shardId: string;
  state: 'waiting' | 'running' | 'restarting' | 'finished';
  /** The worker reading it (this one, or another as the latest lease round saw it); null: nobody. */
  owner: string | null;
  /** Of the running actor's latest GetRecords answer; null when no actor of this worker reads it. */
  millisBehindLatest: number | null;
  checkpoint: string | null;
  read: number;
  emitted: number;
  filtered: number;
  deadLettered: number;
  bytesEmitted: number;
  batchesEmitted: number;
  lastError: string | null;
  /** Since when its actors have been failing without storing anything (ms since the epoch); null: they are not. */
  failingSince: number | null;
  /** The last error is permanent (access denied, a missing bucket or table): it will not heal without a fix. */
  lastErrorPermanent: boolean;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface TelemetrySnapshot {
  app: string;
  stream: string;
  worker: {
    id: string;
    leases: boolean;
    owned: number;
    liveWorkers: number;
    leaseRounds: number;
    leasesTaken: number;
    leasesStolen: number;
    leasesLost: number;
    leasesReleased: number;
  };
  /** The start-up is over and `stop()` was not called. */
  running: boolean;
  /** `stop()` was called (or the start-up failed). */
  stopped: boolean;
  shards: ShardRow[];
  checkpointCommits: number;
  checkpointFailures: number;
  /** When the checkpoint store last answered (a commit, a lease round, a probe); 0: never. */
  storeAnsweredAt: number;
  /** Why its latest probe failed, if it did. */
  storeError: string | null;
  /** Actor restarts by the failure's error code, and whether that error is permanent (cannot heal by retrying). */
  restarts: Array<{ code: string; permanent: boolean; count: number }>;
  pool: { utilization: number; queueSize: number; threads: number } | null;
  /** Event-loop delay of each worker thread in seconds, by `host-<i>` or `emitter-<i>`. */
  loopDelays: Record<string, LoopDelay>;
  /** `pipeline.stats()`, shown as is by `/status.json`. */
  stats: object;
}

/** What the endpoints need of a pipeline. */
export interface TelemetrySource {
  snapshot(): TelemetrySnapshot;
}
