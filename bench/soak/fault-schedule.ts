// The soak's fault schedule: which faults, in which order, with what pauses and parameters, drawn
// from a seeded generator so a seed gives the same schedule every time. Every kind comes once per
// round (each round in its own shuffled order) so a run of k rounds has every kind k times.

export const FAULT_KINDS = ['sigkill', 'kill-actor', 'kill-host', 'kill-emitter', 'redis-restart', 's3-500', 's3-503', 's3-slowdown'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number] | 'hang';

export interface Fault {
  kind: FaultKind;
  /** Pause before this fault, after the previous one was applied. */
  gapMs: number;
  /** For kill-actor: the shard (an index); kill-host / kill-emitter: the thread. */
  target: number;
  /** sigkill: time down before the restart; redis-restart: time down; s3-*: how long S3 fails. */
  durationMs: number;
}

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScheduleOptions {
  faults: number;
  seed: number;
  /** Mean pause between faults. */
  meanGapMs: number;
  shards: number;
  hostThreads: number;
  emitterThreads: number;
}

export function faultSchedule(o: ScheduleOptions): Fault[] {
  const random = seededRandom(o.seed);
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  const out: Fault[] = [];
  while (out.length < o.faults) {
    const round: FaultKind[] = [...FAULT_KINDS];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    for (const kind of round.slice(0, o.faults - out.length)) {
      const gapMs = between(o.meanGapMs / 2, (o.meanGapMs * 3) / 2);
      const target = kind === 'kill-host' ? Math.floor(random() * o.hostThreads)
        : kind === 'kill-emitter' ? Math.floor(random() * o.emitterThreads) : Math.floor(random() * o.shards);
      const durationMs = kind === 'sigkill' ? between(100, 1000) : kind === 'redis-restart' ? between(500, 3000)
        : kind.startsWith('s3-') ? between(1000, 5000) : 0;
      out.push({ kind, gapMs, target, durationMs });
    }
  }
  return out;
}

/** How many faults of each kind a schedule (or a list of applied faults) holds. */
export function countByKind(faults: Array<{ kind: FaultKind }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of faults) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}
