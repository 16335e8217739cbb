/**
 * The records `bench` measures with: a sample read once (from an NDJSON file or from the stream),
 * cycled to the number of records asked for, and what the e2e run and the shard estimate need to
 * know of it (mean size, whether it can be replayed one record a line).
 */
import type { SourceRecord } from '../../core/records.js';

export interface Sample {
  /** Where the sample came from, for the report: `file` (with its path) or `stream` (with the stream's name). */
  source: { type: 'file'; path: string } | { type: 'stream'; stream: string; endpoint: string; shards: number };
  /** Distinct records read (file lines or stream records). */
  read: number;
  /** The records measured: `read` cycled to the number asked for. */
  records: SourceRecord[];
}

/** `read` cycled (or cut) to `n` records; each copy keeps its data, with a sequence number of its own. */
export function cycleTo(read: readonly SourceRecord[], n: number): SourceRecord[] {
  if (read.length === 0) throw new Error('cannot cycle an empty sample');
  return Array.from({ length: n }, (_, i) => {
    const r = read[i % read.length];
    return i < read.length ? r : { ...r, sequenceNumber: String(i + 1) };
  });
}

/** Mean data bytes of a record of the sample. */
export function meanBytes(records: readonly SourceRecord[]): number {
  let total = 0;
  for (const r of records) total += r.data.byteLength;
  return records.length === 0 ? 0 : total / records.length;
}

/** How many records hold a newline byte (which replay files, one record a line, cannot carry). */
export function recordsWithNewlines(records: readonly SourceRecord[]): number {
  let n = 0;
  for (const r of records) if (r.data.includes(0x0a)) n++;
  return n;
}
