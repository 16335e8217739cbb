/**
 * The Prometheus metrics of one pipeline, in a registry of their own (two pipelines in a process do
 * not mix). Counters and gauges are brought up to date from a snapshot at each scrape; the two
 * histograms are observed as windows and batches come back. Names follow Prometheus' conventions
 * under the prefix `kinesis_connectors_`; every series has `app` and `stream`.
 */
import { Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';
import { loopDelayMonitor } from '../threads/loop-delay.js';
import type { TelemetrySnapshot } from './snapshot.js';

const P = 'kinesis_connectors_';
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type ShardCount = 'read' | 'emitted' | 'filtered' | 'deadLettered' | 'bytesEmitted' | 'batchesEmitted';

/** The per-shard counters: metric name, help, and the snapshot field. */
const SHARD_COUNTERS: Array<[string, string, ShardCount]> = [
  ['records_read_total', 'Records read from the shard.', 'read'],
  ['records_emitted_total', 'Records stored by the emitter.', 'emitted'],
  ['records_filtered_total', 'Records the transform dropped.', 'filtered'],
  ['records_dead_lettered_total', 'Records whose transform threw, written to the dead-letter sink.', 'deadLettered'],
  ['bytes_emitted_total', 'Bytes of the batches stored by the emitter.', 'bytesEmitted'],
  ['batches_emitted_total', 'Batches stored by the emitter.', 'batchesEmitted'],
];

const LEASE_EVENTS = [['taken', 'leasesTaken'], ['stolen', 'leasesStolen'], ['lost', 'leasesLost'], ['released', 'leasesReleased']] as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly shardCounters: Array<[Counter<'shard_id'>, ShardCount]>;
  private readonly counter: (name: string, help: string, labels?: string[]) => Counter<string>;
  private readonly gauge: (name: string, help: string, labels?: string[]) => Gauge<string>;
  private readonly g: Record<'behind' | 'shards' | 'owned' | 'utilization' | 'queue' | 'threads' | 'loop', Gauge<string>>;
  private readonly c: Record<'commits' | 'failures' | 'restarts' | 'rounds' | 'leases', Counter<string>>;
  private readonly emitLatency: Histogram<string>;
  private readonly transformLatency: Histogram<string>;
  /** The last value each counter was brought to, by metric and labels: counters only go up. */
  private readonly last = new Map<string, number>();
  /** The main thread's event-loop delay, measured once the endpoints listen. */
  private mainLoop: ReturnType<typeof loopDelayMonitor> | undefined;

  constructor(labels: { app: string; stream: string }, private readonly workerId: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels(labels);
    this.counter = (name, help, labelNames = []) => new Counter({ name: P + name, help, labelNames, registers });
    this.gauge = (name, help, labelNames = []) => new Gauge({ name: P + name, help, labelNames, registers });
    this.shardCounters = SHARD_COUNTERS.map(([name, help, field]) => [this.counter(name, help, ['shard_id']), field]);
    this.g = {
      behind: this.gauge('millis_behind_latest', "MillisBehindLatest of the shard's latest GetRecords answer (shards this worker reads).", ['shard_id']),
      shards: this.gauge('shards', 'Shards by state, as this worker sees them.', ['state']),
      owned: this.gauge('shards_owned', 'Shards this worker holds.', ['worker']),
      utilization: this.gauge('pool_utilization', "The transform pool's utilisation since start (0 to 1).", ['worker']),
      queue: this.gauge('pool_queue_size', 'Windows waiting for a transform pool thread.', ['worker']),
      threads: this.gauge('pool_threads', 'Transform pool threads.', ['worker']),
      loop: this.gauge('event_loop_delay_seconds', "Event-loop delay of each thread: worker threads over the last second, the main thread since the previous scrape (quantile '1' is the maximum).", ['worker', 'thread', 'quantile']),
    };
    this.c = {
      commits: this.counter('checkpoint_commits_total', 'Checkpoints written to the checkpoint store.', ['worker']),
      failures: this.counter('checkpoint_failures_total', 'Checkpoint writes that failed (retried at the next round).', ['worker']),
      restarts: this.counter('actor_restarts_total', 'Shard actors restarted after a failure, by error code and whether the error is permanent (will not heal without a fix).', ['worker', 'code', 'permanent']),
      rounds: this.counter('lease_rounds_total', 'Lease rounds that reached the store.', ['worker']),
      leases: this.counter('leases_total', 'Leases taken, stolen, lost and released by this worker.', ['worker', 'event']),
    };
    this.emitLatency = new Histogram({ name: `${P}emit_latency_seconds`, help: 'From sending a batch to the emitter thread to its acknowledgement.',
      labelNames: ['worker'], buckets: LATENCY_BUCKETS, registers });
    this.transformLatency = new Histogram({ name: `${P}transform_window_seconds`, help: 'From a window reaching the pool relay to its result (queueing included).',
      labelNames: ['worker'], buckets: LATENCY_BUCKETS, registers });
  }

  observeEmit(seconds: number): void {
    this.emitLatency.observe({ worker: this.workerId }, seconds);
  }

  observeTransform(seconds: number): void {
    this.transformLatency.observe({ worker: this.workerId }, seconds);
  }

  /** The metrics as Prometheus text, brought up to date from `snapshot`. */
  async text(snapshot: TelemetrySnapshot): Promise<string> {
    this.update(snapshot);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Starts measuring the main thread's event-loop delay (reported since the previous scrape). */
  watchMainLoop(): void {
    this.mainLoop ??= loopDelayMonitor('main');
  }

  close(): void {
    this.mainLoop?.stop();
    this.mainLoop = undefined;
  }

  /** Raises a counter to `value` (never lowers it). */
  private raise(counter: Counter<string>, labels: LabelValues<string>, value: number): void {
    const key = `${(counter as unknown as { name: string }).name}${JSON.stringify(labels)}`;
    const last = this.last.get(key);
    // A series is exported from its first update, at 0 if nothing happened yet.
    if (last === undefined || value > last) {
      counter.inc(labels, Math.max(0, value - (last ?? 0)));
      this.last.set(key, Math.max(value, last ?? 0));
    }
  }

  private update(s: TelemetrySnapshot): void {
    const worker = this.workerId;
    this.g.behind.reset();
    const states: Record<string, number> = { waiting: 0, running: 0, restarting: 0, finished: 0 };
    for (const row of s.shards) {
      for (const [counter, field] of this.shardCounters) this.raise(counter, { shard_id: row.shardId }, row[field]);
      if (row.millisBehindLatest !== null) this.g.behind.set({ shard_id: row.shardId }, row.millisBehindLatest);
      states[row.state]++;
    }
    for (const [state, n] of Object.entries(states)) this.g.shards.set({ state }, n);
    this.g.owned.set({ worker }, s.worker.owned);
    this.raise(this.c.commits, { worker }, s.checkpointCommits);
    this.raise(this.c.failures, { worker }, s.checkpointFailures);
    for (const r of s.restarts) this.raise(this.c.restarts, { worker, code: r.code, permanent: String(r.permanent) }, r.count);
    this.raise(this.c.rounds, { worker }, s.worker.leaseRounds);
    for (const [event, field] of LEASE_EVENTS) this.raise(this.c.leases, { worker, event }, s.worker[field]);
    if (s.pool) {
      this.g.utilization.set({ worker }, s.pool.utilization);
      this.g.queue.set({ worker }, s.pool.queueSize);
      this.g.threads.set({ worker }, s.pool.threads);
    }
    this.g.loop.reset();
    const main = this.mainLoop ? [['main', this.mainLoop.read()] as const] : [];
    for (const [thread, d] of [...main, ...Object.entries(s.loopDelays)]) {
      this.g.loop.set({ worker, thread, quantile: '0.5' }, d.p50);
      this.g.loop.set({ worker, thread, quantile: '0.99' }, d.p99);
      this.g.loop.set({ worker, thread, quantile: '1' }, d.max);
    }
  }
}
