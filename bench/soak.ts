// `npm run soak`: the chaos soak (see bench/soak/run-soak.ts). Prints a table of figures and
// writes them to bench/results/soak-last.json (ignored by git).
//   --records <n>   records to produce (default 1,000,000; --short: 20,000)
//   --faults <n>    faults to inject (default 50; --short: 8)
//   --seed <n>      the fault schedule's seed (default: random, printed)
//   --gap <ms>      mean pause between faults (default 3000; --short: 1500)
//   --settle <ms>   how long to wait, after the last fault and record, for the checkpoints to
//                   reach the tail (default 600000; --short: 60000)
//   --short         the small size
//   --hang-fault    also a transform that hangs on one record, which window bisection isolates and
//                   dead-letters (off by default: each isolation costs several transform.timeoutMs)
//   --out <file>    where the JSON goes
//   --keep          keep the work folder (pipeline log, config)
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { flags, writeJson } from './common.js';
import { runSoak, type SoakResult } from './soak/run-soak.js';

const f = flags(process.argv.slice(2));
const short = f.short === 'true';
const num = (name: string, fallback: number) => {
  const v = f[name] === undefined ? fallback : Number(f[name]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer, got ${f[name]}`);
  return v;
};
const seed = num('seed', Math.floor(Math.random() * 2 ** 31));
const out = f.out ?? new URL('./results/soak-last.json', import.meta.url).pathname.replace('/dist/bench/', '/bench/');

const result = await runSoak({
  records: num('records', short ? 20_000 : 1_000_000),
  faults: num('faults', short ? 8 : 50),
  seed,
  meanGapMs: num('gap', short ? 1500 : 3000),
  settleTimeoutMs: num('settle', short ? 60_000 : 600_000),
  hangFault: f['hang-fault'] === 'true',
  keep: f.keep === 'true',
  progress: (line) => process.stderr.write(line + '\n'),
});
process.stdout.write(table(result));
await mkdir(dirname(out), { recursive: true });
await writeJson(out, { date: new Date().toISOString(), ...result });
process.stdout.write(`\nwritten to ${out}\n`);
process.exit(result.stored.lost === 0 && result.allCheckpointsAtTail ? 0 : 1);

function table(r: SoakResult): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows: Array<[string, string]> = [
    ['records produced', n(r.records)],
    ['shards', String(r.shards)],
    ['seed', String(r.seed)],
    ['faults applied', `${Object.values(r.faultsApplied).reduce((a, b) => a + b, 0)} of ${Object.values(r.faultsPlanned).reduce((a, b) => a + b, 0)} planned`],
    ...Object.entries(r.faultsPlanned).sort().map(([k, v]): [string, string] => [`  ${k}`, `${r.faultsApplied[k] ?? 0} / ${v}`]),
    ['faults skipped', r.faultsSkipped.length ? r.faultsSkipped.map((s) => `${s.kind}: ${s.reason}`).join('; ') : '0'],
    ['S3 requests failed by the proxy', Object.entries(r.s3FailedRequests).map(([k, v]) => `${k} ${n(v)}`).join(', ') || '0'],
    ['pipeline process starts', String(r.pipelineStarts)],
    ['unexpected pipeline exits', String(r.unexpectedExits)],
    ['actor restarts (in-process)', String(r.actorRestarts)],
    ['objects read back', n(r.stored.objects)],
    ['record lines read back', n(r.stored.lines)],
    ['lost (not stored by the end)', n(r.stored.lost) + (r.stored.lost ? ` (e.g. ${r.stored.lostSample.join(', ')})` : '')],
    ['duplicates', `${n(r.stored.duplicates)} (${(100 * r.stored.duplicates / Math.max(1, r.records)).toFixed(2)}%)`],
    ['duplicate bound (in flight)', `${n(r.duplicateBound)} — ${r.stored.duplicates <= r.duplicateBound ? 'within' : 'EXCEEDED'}`],
    ['unknown lines', n(r.stored.unknown)],
    ['unreadable objects', r.stored.unreadable.length ? `${r.stored.unreadable.length} (e.g. ${r.stored.unreadable[0].key}: ${r.stored.unreadable[0].error})` : '0'],
    ['checkpoints at tail', `${r.checkpoints.filter((c) => c.atTail).length} / ${r.checkpoints.length}`],
    ...(r.hangDeadLettered === undefined ? [] : [['hang record dead-lettered', `${r.hangDeadLettered} (1 expected)`] as [string, string]]),
    ['time', `${r.seconds.toFixed(1)} s`],
    ['records/s', n(r.recordsPerSecond)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}
