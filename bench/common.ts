// Shared pieces of the benchmark scripts: medians, RSS sampling, child processes, record files.
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickBytes } from '../src/local/click-events.js';

export const SAMPLE_TRANSFORM = new URL('../src/local/sample-transform.js', import.meta.url).pathname;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Samples this process's RSS (all threads) every `everyMs` until stopped; returns the peak in MB. */
export function sampleRss(everyMs = 20): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, everyMs);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return peak / (1024 * 1024);
  };
}

/** The process's peak RSS so far (all threads), as the kernel counts it, in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * The pipeline's `kinesis` options for a local endpoint; `protocol` ("cbor" or "json") is set only
 * when given, so the harness also runs against a build that does not know that option.
 */
export function kinesisOptions(endpoint: string, protocol?: string): { endpoint: string } {
  return protocol ? ({ endpoint, protocol } as { endpoint: string }) : { endpoint };
}

/** Runs a compiled bench script in a fresh Node process and parses the JSON it prints last. */
export function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [new URL(script, import.meta.url).pathname, ...args],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${script} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as T);
        } catch {
          reject(new Error(`${script} printed no JSON result:\n${stdout}\n${stderr}`));
        }
      });
  });
}

/**
 * Like `runChild`, for a script that also prints progress lines before its result: `onLine` is
 * awaited with each JSON line as it comes (so the parent can take a measurement at that moment);
 * resolves with the last one once the process has exited.
 */
export function runChildLines<T>(script: string, args: string[], onLine: (line: Record<string, unknown>) => Promise<void> | void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let stderr = '';
    let last: unknown;
    let chain = Promise.resolve();
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      last = parsed;
      chain = chain.then(() => onLine(parsed as Record<string, unknown>));
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with ${code}\n${stderr}`));
      chain.then(() => (last === undefined ? reject(new Error(`${script} printed no JSON result\n${stderr}`)) : resolve(last as T)), reject);
    });
  });
}

export type RecordKind = 'click' | 'bytes100';

/** Record `i` of a kind: a click event (the sample transform's input) or a 100-byte line. */
export function recordOf(kind: RecordKind, i: number): Buffer {
  if (kind === 'click') return clickBytes(i);
  const head = `{"i":${i},"p":"`;
  return Buffer.from(head + 'x'.repeat(100 - head.length - 2) + '"}');
}

/** Writes `total` records split round-robin over `shards` replay files (`shard-<k>.ndjson`). */
export async function writeShardFiles(dir: string, kind: RecordKind, total: number, shards: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const handles = await Promise.all(Array.from({ length: shards }, (_, k) => open(join(dir, `shard-${k}.ndjson`), 'w')));
  const chunk = 20_000;
  for (let start = 0; start < total; start += chunk) {
    const parts: Buffer[][] = handles.map(() => []);
    for (let i = start; i < Math.min(total, start + chunk); i++) parts[i % shards].push(recordOf(kind, i), NEWLINE);
    await Promise.all(handles.map((h, k) => h.write(Buffer.concat(parts[k]))));
  }
  await Promise.all(handles.map((h) => h.close()));
}

const NEWLINE = Buffer.from('\n');

const inputs = new Map<string, Promise<string>>();

/** Replay files for `records` records of `kind` over 4 shards, written once per run and reused. */
export function prepareInput(kind: RecordKind, records: number): Promise<string> {
  const key = `${kind}-${records}`;
  let dir = inputs.get(key);
  if (!dir) {
    dir = mkdtemp(join(tmpdir(), `kc-bench-${key}-`)).then(async (d) => {
      await writeShardFiles(d, kind, records, 4);
      return d;
    });
    inputs.set(key, dir);
  }
  return dir;
}

/** Removes every prepared input. */
export async function removeInputs(): Promise<void> {
  for (const dir of inputs.values()) await rm(await dir, { recursive: true, force: true });
  inputs.clear();
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value, null, 2) + '\n');
}

/** Parses `--name value` pairs. */
export function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) out[argv[i].slice(2)] = 'true';
      else out[argv[i++].slice(2)] = next;
    }
  }
  return out;
}

/**
 * An idle window of `seconds`: prints `window-start` and `window-end` lines (the parent measures the
 * emulator over the same window) and answers this process's CPU over it (% of one core) and its
 * RSS at the end.
 */
export async function idleWindow(seconds: number, print: (line: object) => void): Promise<{ idleSeconds: number; idleCpuPercent: number; rssMB: number }> {
  print({ event: 'window-start' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const idleSeconds = (performance.now() - t0) / 1000;
  print({ event: 'window-end' });
  return { idleSeconds, idleCpuPercent: 100 * (cpu.user + cpu.system) / 1e6 / idleSeconds, rssMB: process.memoryUsage.rss() / (1024 * 1024) };
}

