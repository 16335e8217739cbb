/**
 * Reading records held as spans of buffers (`RecordSpans`, see `core/records.ts`), and turning
 * them into `SourceRecord` objects and back, for the places that want one record at a time (a
 * `ShardReader.read()` caller, KPL de-aggregation).
 */
import type { RecordSpans, SourceRecord, SourceRecords } from './records.js';

function text(s: RecordSpans, start: number, end: number, encoding: 'latin1' | 'utf8'): string {
  return Buffer.from(s.keys.buffer, s.keys.byteOffset, s.keys.byteLength).toString(encoding, start, end);
}

/** Record i's sequence number. */
export function spanSequenceNumber(s: RecordSpans, i: number): string {
  return text(s, s.spans[6 * i + 2], s.spans[6 * i + 3], 'latin1');
}

/** Record i's sequence number as it was given (UTF-8), for an error message about one that is not one. */
export function spanSequenceText(s: RecordSpans, i: number): string {
  return text(s, s.spans[6 * i + 2], s.spans[6 * i + 3], 'utf8');
}

/** Record i's sequence number, whichever way the records are held. */
export function sequenceNumberIn(records: SourceRecords, i: number): string {
  return isSpans(records) ? spanSequenceNumber(records, i) : records[i].sequenceNumber;
}

/** Bytes of records `from .. to`: their data, and their sequence numbers and partition keys. */
export function spanBytes(s: RecordSpans, from = 0, to = s.length): { data: number; keys: number } {
  const { spans } = s;
  let data = 0;
  let keys = 0;
  for (let i = 6 * from; i < 6 * to; i += 6) {
    data += spans[i + 1] - spans[i];
    keys += (spans[i + 3] - spans[i + 2]) + (spans[i + 5] - spans[i + 4]);
  }
  return { data, keys };
}

/** Whether a response's records are held as spans (else they are `SourceRecord` objects). */
export function isSpans(records: SourceRecords): records is RecordSpans {
  return !Array.isArray(records);
}

/** Record i's partition key. */
export function spanPartitionKey(s: RecordSpans, i: number): string {
  return text(s, s.spans[6 * i + 4], s.spans[6 * i + 5], 'utf8');
}

/** Record i's data: a view into `s.bytes`. */
export function spanData(s: RecordSpans, i: number): Uint8Array {
  return s.bytes.subarray(s.spans[6 * i], s.spans[6 * i + 1]);
}

/** Whether record i's data starts with the KPL aggregate magic (see `sources/kpl-aggregate.ts`). */
export function spanHasKplMagic(s: RecordSpans, i: number): boolean {
  const at = s.spans[6 * i];
  const b = s.bytes;
  return s.spans[6 * i + 1] - at >= 4 && b[at] === 0xf3 && b[at + 1] === 0x89 && b[at + 2] === 0x9a && b[at + 3] === 0xc2;
}

/** Whether record i's sequence number is one (`0`, or 1 to 129 digits without a leading zero: `isSequenceNumber`). */
export function isSpanSequenceNumber(s: RecordSpans, i: number): boolean {
  const start = s.spans[6 * i + 2];
  const end = s.spans[6 * i + 3];
  const n = end - start;
  if (n < 1 || n > 129) return false;
  const b = s.keys;
  if (b[start] === 0x30) return n === 1;
  for (let k = start; k < end; k++) if (b[k] < 0x30 || b[k] > 0x39) return false;
  return true;
}

/** The records as objects; their data are views into `s.bytes`. */
export function recordsOfSpans(s: RecordSpans): SourceRecord[] {
  const out = new Array<SourceRecord>(s.length);
  for (let i = 0; i < s.length; i++) {
    out[i] = { data: spanData(s, i), sequenceNumber: spanSequenceNumber(s, i), partitionKey: spanPartitionKey(s, i), arrival: s.arrivals[i] };
  }
  return out;
}

/** Records as spans of one new buffer holding their data, sequence numbers and partition keys (it is both `bytes` and `keys`). */
export function spansOfRecords(records: readonly SourceRecord[]): RecordSpans {
  let total = 0;
  for (const r of records) total += r.data.byteLength + Buffer.byteLength(r.sequenceNumber, 'utf8') + Buffer.byteLength(r.partitionKey, 'utf8');
  const bytes = Buffer.allocUnsafeSlow(total);
  const spans = new Uint32Array(6 * records.length);
  const arrivals = new Float64Array(records.length);
  let at = 0;
  records.forEach((r, i) => {
    spans[6 * i] = at;
    bytes.set(r.data, at);
    at += r.data.byteLength;
    spans[6 * i + 1] = at;
    spans[6 * i + 2] = at;
    at += bytes.write(r.sequenceNumber, at, 'utf8');
    spans[6 * i + 3] = at;
    spans[6 * i + 4] = at;
    at += bytes.write(r.partitionKey, at, 'utf8');
    spans[6 * i + 5] = at;
    arrivals[i] = r.arrival;
  });
  return { bytes, keys: bytes, spans, arrivals, length: records.length };
}
