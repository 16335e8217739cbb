// Question: which npm Parquet writer should write a batch? Writes the same batch of click-like
// JSON lines (strings, numbers, booleans, a nested object, nulls, missing fields) with
// hyparquet-writer (through the emitter's own batchToParquet: parsing and schema inference
// included), with parquet-wasm (+ apache-arrow, given the columns ready-made: its time leaves out
// parsing) and, when installed (`npm install --no-save @dsnp/parquetjs`), with @dsnp/parquetjs;
// reports µs per record (median of --reps), the ratio to hyparquet-writer with snappy, the bytes,
// and whether parquet-wasm reads every value back. Not part of `npm run bench`.
// Usage: node dist/bench/parquet-writers.js [--records 500] [--reps 15] [--out file.json]
import { writeFile } from 'node:fs/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as arrow from 'apache-arrow';
import * as pw from 'parquet-wasm/node';
import { packSequenceNumbers, type Batch } from '../src/core/batch.js';
import { batchToParquet } from '../src/emitters/parquet/parquet-writer.js';
import { flags, median } from './common.js';

const args = flags(process.argv.slice(2));
const n = Number(args.records ?? 500);
const reps = Number(args.reps ?? 15);

interface Click { id: string; user: string; ts: number; price: number | null; count: number; ok: boolean; page: { path: string; ref: string | null }; note?: string | null }
const clicks: Click[] = Array.from({ length: n }, (_, i) => ({
  id: `click-${i}`, user: `user-${i % 37}`, ts: 1764200000000 + i * 13, price: i % 7 === 0 ? null : i * 0.25, count: i, ok: i % 3 === 0,
  page: { path: `/p/${i % 11}`, ref: i % 5 ? 'google' : null }, ...(i % 4 === 0 ? {} : { note: i % 8 === 1 ? null : 'héllo ✓' }),
}));
const lines = clicks.map((c) => `${JSON.stringify(c)}\n`);
const data = Buffer.from(lines.join(''));
const offsets = new Uint32Array(n + 1);
lines.reduce((at, l, i) => { offsets[i] = at; return at + Buffer.byteLength(l); }, 0);
offsets[n] = data.byteLength;
const batch: Batch = { shardId: 'shardId-000000000000', firstSeq: '1', lastSeq: String(n), count: n, data, offsets,
  ...packSequenceNumbers(clicks.map((_, i) => String(i + 1))), createdAt: Date.now() };

function parquetWasm(compression: pw.Compression): Uint8Array {
  const col = <T>(f: (c: Click) => T) => clicks.map(f);
  const table = new arrow.Table({
    id: arrow.vectorFromArray(col((c) => c.id), new arrow.Utf8()), user: arrow.vectorFromArray(col((c) => c.user), new arrow.Utf8()),
    ts: arrow.vectorFromArray(col((c) => BigInt(c.ts)), new arrow.Int64()), price: arrow.vectorFromArray(col((c) => c.price), new arrow.Float64()),
    count: arrow.vectorFromArray(col((c) => BigInt(c.count)), new arrow.Int64()), ok: arrow.vectorFromArray(col((c) => c.ok), new arrow.Bool()),
    page: arrow.vectorFromArray(col((c) => JSON.stringify(c.page)), new arrow.Utf8()), note: arrow.vectorFromArray(col((c) => c.note ?? null), new arrow.Utf8()),
  });
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), new pw.WriterPropertiesBuilder().setCompression(compression).build());
}

const dir = await mkdtemp(join(tmpdir(), 'kc-parquet-bench-'));
let fileNo = 0;
type ParquetJs = { ParquetSchema: new (s: object) => unknown; ParquetWriter: { openFile(s: unknown, f: string): Promise<{ appendRow(r: object): Promise<void>; close(): Promise<void> }> } };
const dsnpName = '@dsnp/parquetjs';
const parquetjs = await import(dsnpName).then((m: { default: ParquetJs }) => m.default, () => undefined);
async function dsnp(compression: string): Promise<Uint8Array> {
  const pj = parquetjs!;
  const schema = new pj.ParquetSchema({
    id: { type: 'UTF8', compression }, user: { type: 'UTF8', compression }, ts: { type: 'INT64', compression }, price: { type: 'DOUBLE', optional: true, compression },
    count: { type: 'INT64', compression }, ok: { type: 'BOOLEAN', compression }, page: { type: 'UTF8', compression }, note: { type: 'UTF8', optional: true, compression },
  });
  const file = join(dir, `${fileNo++}.parquet`);
  const writer = await pj.ParquetWriter.openFile(schema, file);
  for (const line of lines) {
    const c = JSON.parse(line) as Click;
    await writer.appendRow({ ...c, page: JSON.stringify(c.page), price: c.price ?? undefined, note: c.note ?? undefined });
  }
  await writer.close();
  return readFile(file);
}

/** Every value read back by parquet-wasm equals the batch's. */
function readsBack(bytes: Uint8Array): boolean {
  const rows = arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream()).toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
  return rows.length === n && clicks.every((c, i) => {
    const want: Record<string, unknown> = { ...c, page: JSON.stringify(c.page), note: c.note ?? null };
    return Object.entries(want).every(([k, v]) => { const got = rows[i][k]; return (typeof got === 'bigint' ? Number(got) : got) === v; });
  });
}

const cases: Array<[string, () => Promise<Uint8Array> | Uint8Array]> = [
  ['hyparquet-writer snappy', () => batchToParquet(batch, { compression: 'snappy' })],
  ['hyparquet-writer zstd', () => batchToParquet(batch, { compression: 'zstd' })],
  ['hyparquet-writer none', () => batchToParquet(batch, { compression: 'none' })],
  ['parquet-wasm snappy', () => parquetWasm(pw.Compression.SNAPPY)],
  ['parquet-wasm zstd', () => parquetWasm(pw.Compression.ZSTD)],
  ...(parquetjs ? [['@dsnp/parquetjs snappy', () => dsnp('SNAPPY')], ['@dsnp/parquetjs none', () => dsnp('UNCOMPRESSED')]] as Array<[string, () => Promise<Uint8Array>]> : []),
];
const results: Array<{ writer: string; usPerRecord: number; ratio: number; bytes: number; readsBack: boolean }> = [];
for (const [writer, write] of cases) {
  let bytes = await write();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    bytes = await write();
    times.push(((performance.now() - t0) * 1000) / n);
  }
  results.push({ writer, usPerRecord: median(times), ratio: 0, bytes: bytes.byteLength, readsBack: readsBack(bytes) });
}
await rm(dir, { recursive: true, force: true });
for (const r of results) r.ratio = r.usPerRecord / results[0].usPerRecord;
console.log(`${n} records, ${data.byteLength} bytes of NDJSON; median of ${reps} runs${parquetjs ? '' : ' (@dsnp/parquetjs not installed)'}`);
console.log('writer                     µs/record  × hyparquet snappy   bytes  read back by parquet-wasm');
for (const r of results) {
  console.log(`${r.writer.padEnd(26)} ${r.usPerRecord.toFixed(1).padStart(9)} ${r.ratio.toFixed(2).padStart(18)} ${String(r.bytes).padStart(7)}  ${r.readsBack ? 'every value' : 'MISMATCH'}`);
}
if (args.out) await writeFile(args.out, JSON.stringify({ records: n, ndjsonBytes: data.byteLength, reps, results }, null, 2));
