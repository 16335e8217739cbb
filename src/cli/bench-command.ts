/**
 * `kinesis-connectors bench <config>`: measures the user's own transform module (one thread, then
 * the pool at 1…cores threads and a few window sizes) over a sample of their records, optionally
 * the whole pipeline (`--e2e`), and suggests `transform.threads` and `transform.windowRecords`.
 * This file reads the command line and prints the report; the measuring is in `./bench/`.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type ResolvedConfig } from '../config/config.js';
import { ConnectorError } from '../core/errors.js';
import { loadConfigFile } from '../config/load-config-file.js';
import { createCliLogger, logFormat } from './cli-logger.js';
import { readFileSample } from './bench/file-sample.js';
import { measurePipeline, type PipelineFigures } from './bench/measure-pipeline.js';
import { measureSingleThreadChecked, measureTransform, NOISE, type TransformFigures } from './bench/measure-transform.js';
import { meanBytes, type Sample } from './bench/sample.js';
import { readStreamSample } from './bench/stream-sample.js';
import { UsageError } from './usage-error.js';

const DEFAULT_RECORDS = 20_000;
const DEFAULT_SHARDS = 4;

export interface BenchArgs {
  config: string;
  records: number;
  from?: string;
  e2e: boolean;
  shards: number;
  json: boolean;
}

/** The transform part of the report: the figures, with the configured settings they are read against. */
export interface TransformReport extends TransformFigures {
  module: string;
  configured: { threads: number; windowRecords: number };
}

export interface BenchReport {
  /** `loadAverage`: the 1-minute load average when the benchmark started (0 where the OS has none). */
  machine: { cores: number; cpu: string; node: string; platform: string; loadAverage: number };
  config: { file: string; stream: string };
  sample: { source: Sample['source']; read: number; records: number; meanRecordBytes: number };
  /** null when the config names no transform module (see `notes`). */
  transform: TransformReport | null;
  /** null without `--e2e`. */
  e2e: PipelineFigures | null;
  notes: string[];
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseBenchArgs(args: string[]): BenchArgs {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: {
    records: { type: 'string' }, from: { type: 'string' }, e2e: { type: 'boolean' }, shards: { type: 'string' }, json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new UsageError('bench needs exactly one config file');
  if (values.shards !== undefined && !values.e2e) throw new UsageError('--shards applies only with --e2e');
  return {
    config: positionals[0],
    records: positiveInt('records', values.records, DEFAULT_RECORDS),
    from: values.from,
    e2e: values.e2e === true,
    shards: positiveInt('shards', values.shards, DEFAULT_SHARDS),
    json: values.json === true,
  };
}

const progress = (step: string) => process.stderr.write(`bench: ${step}\n`);

async function readSample(args: BenchArgs, config: ResolvedConfig): Promise<Sample> {
  if (args.from !== undefined) return readFileSample(args.from, args.records);
  if (config.source.type === 'files') {
    throw new ConnectorError(`the config reads replay files (source.type "files"), not a stream: give the sample with --from <sample.ndjson>`, { code: 'NO_STREAM_TO_SAMPLE' });
  }
  progress(`reading ${args.records} records from stream ${config.stream}`);
  return readStreamSample(config, args.records);
}

/** Runs the benchmark the arguments ask for; the report. */
export async function runBenchmark(args: BenchArgs): Promise<BenchReport> {
  const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version,
    platform: `${process.platform}-${process.arch}`, loadAverage: loadavg()[0] };
  const { options, baseDir } = await loadConfigFile(args.config);
  const config = resolveConfig(options, { baseDir });
  const sample = await readSample(args, config);
  const notes: string[] = [];
  if (machine.loadAverage > machine.cores / 2) {
    notes.push(`the machine was busy when the benchmark started (load average ${machine.loadAverage.toFixed(2)} on ${machine.cores} cores): `
      + 'other processes share the cores, so the rates are lower, and the higher thread counts gain less, than on an idle machine');
  }
  const { module, threads, windowRecords, timeoutMs, loadTimeoutMs } = config.transform;
  const settings = module === undefined ? undefined : { module, windowRecords, timeoutMs, loadTimeoutMs };
  // First, on the main thread: a module that throws on every record is reported before anything else runs.
  if (settings) progress('transform: single thread');
  const single = settings && await measureSingleThreadChecked(settings, sample.records);
  // The pipeline before the pools: its peak RSS is then not that of the pools measured after it.
  let e2e: PipelineFigures | null = null;
  if (args.e2e) {
    progress(`whole pipeline over ${args.shards} replay shards`);
    e2e = await measurePipeline(options, config, baseDir, sample.records, args.shards, createCliLogger('warn', logFormat(undefined)));
  }
  let transform: TransformReport | null = null;
  if (!settings || !single) {
    notes.push('the config names no transform.module: records pass through as they are, so there is no transform to benchmark'
      + (args.e2e ? '' : '; --e2e measures the whole pipeline all the same'));
  } else {
    const windows = Math.ceil(sample.records.length / windowRecords);
    if (windows < 2 * machine.cores) {
      notes.push(`the sample makes only ${windows} window(s) of transform.windowRecords (${windowRecords}): fewer than 2 for each of ${machine.cores} `
        + `threads, so the higher thread counts have little to share; --records ${2 * machine.cores * windowRecords} or more gives each thread 2`);
    }
    const figures = await measureTransform(settings, sample.records, single, (step) => progress(`transform: ${step}`));
    transform = { module: settings.module, configured: { threads, windowRecords }, ...figures };
    if (figures.tally.failed > 0) {
      notes.push(`${figures.tally.failed} of the ${figures.tally.records} sample records threw in the transform (the first: ${figures.tally.firstError}); `
        + 'the pipeline sends them to the dead-letter sink, and they count in the rates');
    }
  }
  return {
    machine,
    config: { file: resolve(args.config), stream: config.stream },
    sample: { source: sample.source, read: sample.read, records: sample.records.length, meanRecordBytes: meanBytes(sample.records) },
    transform, e2e, notes,
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Rows as columns padded to their widest cell: numbers right-aligned, the first and last columns (words) left. */
function table(rows: string[][], indent = '  '): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const last = widths.length - 1;
  const cell = (text: string, c: number) => (c === 0 || c === last ? text.padEnd(widths[c]) : text.padStart(widths[c]));
  return rows.map((r) => indent + r.map(cell).join('   ').trimEnd()).join('\n') + '\n';
}

function sampleLine(r: BenchReport): string {
  const s = r.sample;
  const from = s.source.type === 'file' ? `file ${s.source.path}` : `stream ${s.source.stream} at ${s.source.endpoint} (${s.source.shards} shards, from TRIM_HORIZON, nothing checkpointed)`;
  const cycled = s.read < s.records ? `, ${fmt(s.read)} distinct, cycled` : '';
  return `sample: ${fmt(s.records)} records${cycled} from ${from}; mean record ${fmt(s.meanRecordBytes)} bytes\n`;
}

function formatTransform(t: TransformReport): string {
  const { tally } = t;
  let out = `\ntransform module ${t.module}\n`
    + `  per pass over the sample: ${fmt(tally.emitted)} emitted, ${fmt(tally.filtered)} filtered, ${fmt(tally.failed)} threw\n\n`;
  const rows = [['threads', 'records/s', 'efficiency', '']];
  rows.push(['main thread', fmt(t.singleThreadRps), '1.00', 'TransformRunner on the main thread (the single-thread rate)']);
  for (const f of t.threads) {
    const marks = [f.threads === t.suggested.threads ? 'suggested' : '', f.threads === t.configured.threads ? 'configured' : ''].filter(Boolean).join(', ');
    rows.push([`pool ${f.threads}`, fmt(f.rps), fmt(f.efficiency, 2), marks]);
  }
  out += table(rows) + `  windows of ${fmt(t.configured.windowRecords)} records; efficiency = records/s / (threads x single-thread records/s)\n\n`;
  const wrows = [[`window records (${t.suggested.threads} thread(s))`, 'records/s', '']];
  for (const w of t.windows) {
    const marks = [w.windowRecords === t.suggested.windowRecords ? 'suggested' : '', w.windowRecords === t.configured.windowRecords ? 'configured' : ''].filter(Boolean).join(', ');
    wrows.push([fmt(w.windowRecords), fmt(w.rps), marks]);
  }
  out += table(wrows);
  const best = Math.max(...t.threads.map((f) => f.rps));
  const windowWhy = t.suggested.windowWithinNoise
    ? `the configured value: the sizes tried are within ${NOISE * 100}% (noise) of it`
    : t.suggested.windowRecords === t.configured.windowRecords ? 'the configured value is the fastest' : 'the fastest size tried, more than 5% ahead of the configured one';
  return out + `\nsuggested: transform.threads ${t.suggested.threads} (the fewest threads reaching 90% of the best pool rate, ${fmt(best)} records/s; currently ${t.configured.threads}, set or by default)\n`
    + `           transform.windowRecords ${fmt(t.suggested.windowRecords)} (${windowWhy}; every window's size with transform.windowTargetMs 0,\n`
    + `           otherwise the first windows' only: then the windows are sized to about windowTargetMs of transform work)\n`;
}

function formatE2e(e: PipelineFigures): string {
  const limit = e.shardLimit.limitedBy === 'records'
    ? `a shard takes at most ${fmt(e.shardLimit.rps)} records/s`
    : `a shard takes at most 1 MiB/s, ${fmt(e.shardLimit.rps)} records/s of ${fmt(e.shardLimit.meanRecordBytes)} bytes`;
  return `\nwhole pipeline (--e2e): ${fmt(e.shards)} replay shards -> the config's transform and buffer -> discarding emitter, file checkpoints\n` + table([
    ['figure', 'value', ''],
    ['records/s', fmt(e.rps), `${fmt(e.records)} records in ${fmt(e.seconds, 2)} s (${fmt(e.emitted)} emitted, ${fmt(e.filtered)} filtered, ${fmt(e.deadLettered)} dead-lettered)`],
    ['CPU µs per record', fmt(e.cpuMicrosPerRecord, 1), 'CPU time of the whole process, every thread'],
    ['peak RSS MB', fmt(e.peakRssMB, 1), 'this process, every thread'],
    ['shards per process', fmt(e.shardsPerProcess, 1), `records/s / a shard's write limit (${limit}); an upper bound on this machine`],
  ]);
}

export function formatReport(r: BenchReport): string {
  let out = `kinesis-connectors bench ${r.config.file} (stream ${r.config.stream})\n`
    + `machine: ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, ${r.machine.platform}\n` + sampleLine(r);
  if (r.transform) out += formatTransform(r.transform);
  if (r.e2e) out += formatE2e(r.e2e);
  for (const note of r.notes) out += `\nnote: ${note}\n`;
  return out;
}

/** `bench`: the report as text, or as one JSON object with `--json`. */
export async function bench(argv: string[]): Promise<string> {
  const args = parseBenchArgs(argv);
  const report = await runBenchmark(args);
  return args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
}
