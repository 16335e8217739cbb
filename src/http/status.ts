/**
 * What `/status.json` and `/readyz` say: per-shard records/s from the deltas between samples taken
 * once a second, a short history of the total for the page's chart, and the readiness verdict.
 */
import type { ShardRow, TelemetrySnapshot } from './snapshot.js';

const HISTORY = 120;

export interface StatusRow extends ShardRow {
  recordsPerSecond: number;
}

export interface Status {
  app: string;
  stream: string;
  time: number;
  ready: Readiness;
  worker: TelemetrySnapshot['worker'];
  stats: object;
  totals: { shards: number; read: number; emitted: number; filtered: number; deadLettered: number; recordsPerSecond: number; maxMillisBehindLatest: number };
  shards: StatusRow[];
  /** Records read per second, one point a second, oldest first. */
  history: Array<{ time: number; recordsPerSecond: number }>;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface ReadinessRules {
  unreadyAfterMs: number;
  checkpointStaleMs: number;
}

/** `/readyz`: started and not stopped, the checkpoint store answered lately, no shard failing for too long. */
export function readiness(s: TelemetrySnapshot, rules: ReadinessRules, now = Date.now()): Readiness {
  const reasons: string[] = [];
  if (s.stopped) reasons.push('the pipeline is stopped');
  else if (!s.running) reasons.push('the pipeline has not finished starting');
  const silentMs = now - s.storeAnsweredAt;
  if (s.storeAnsweredAt === 0) reasons.push('the checkpoint store has not answered yet');
  else if (silentMs > rules.checkpointStaleMs) {
    reasons.push(`the checkpoint store has not answered for ${silentMs} ms (http.checkpointStaleMs ${rules.checkpointStaleMs})` +
      (s.storeError ? `: ${s.storeError}` : ''));
  }
  for (const row of s.shards) {
    if (row.failingSince !== null && now - row.failingSince > rules.unreadyAfterMs) {
      reasons.push(`shard ${row.shardId} has been failing for ${now - row.failingSince} ms (http.unreadyAfterMs ${rules.unreadyAfterMs})` +
        (row.lastError ? `: ${row.lastError}` : '') + (row.lastErrorPermanent ? ' (a permanent error: fix the sink or its settings)' : ''));
    }
  }
  return { ready: reasons.length === 0, reasons };
}

/** Samples the snapshot once a second (when `sample` is called) for rates and the history. */
export class StatusSampler {
  private previous: { time: number; read: Map<string, number> } | undefined;
  private rates = new Map<string, number>();
  private total = 0;
  private readonly history: Status['history'] = [];

  sample(s: TelemetrySnapshot, now = Date.now()): void {
    const read = new Map(s.shards.map((r) => [r.shardId, r.read]));
    if (this.previous) {
      const seconds = Math.max(0.001, (now - this.previous.time) / 1000);
      const prev = this.previous.read;
      this.rates = new Map(s.shards.map((r) => [r.shardId, Math.max(0, r.read - (prev.get(r.shardId) ?? r.read)) / seconds]));
      this.total = [...this.rates.values()].reduce((a, b) => a + b, 0);
      this.history.push({ time: now, recordsPerSecond: this.total });
      if (this.history.length > HISTORY) this.history.shift();
    }
    this.previous = { time: now, read };
  }

  status(s: TelemetrySnapshot, ready: Readiness, now = Date.now()): Status {
    const shards = s.shards.map((r) => ({ ...r, recordsPerSecond: round(this.rates.get(r.shardId) ?? 0) }));
    const sum = (f: (r: ShardRow) => number) => s.shards.reduce((a, r) => a + f(r), 0);
    return {
      app: s.app, stream: s.stream, time: now, ready, worker: s.worker, stats: s.stats, shards,
      totals: {
        shards: shards.length, read: sum((r) => r.read), emitted: sum((r) => r.emitted), filtered: sum((r) => r.filtered),
        deadLettered: sum((r) => r.deadLettered), recordsPerSecond: round(this.total),
        maxMillisBehindLatest: Math.max(0, ...shards.map((r) => r.millisBehindLatest ?? 0)),
      },
      history: this.history.map((h) => ({ time: h.time, recordsPerSecond: round(h.recordsPerSecond) })),
    };
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
