/** Packs a slice of a shard's records into one transferable window, and reads them back. */
import { isSpans, spanBytes } from '../core/record-spans.js';
import type { RecordSpans, RecordWindow, SourceRecord, SourceRecords } from '../core/records.js';

/** Records `from .. to` packed into one window: each record's bytes, sequence number and partition key copied once. */
export function packWindow(shardId: string, records: SourceRecords, from = 0, to = records.length): RecordWindow {
  return isSpans(records) ? packSpans(shardId, records, from, to) : packObjects(shardId, records, from, to);
}

/** Copies `b[start .. end)` to `out` at `at`: a loop for short runs (a view for each would cost more than the copy). */
function copyBytes(b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  if (end - start > 64) {
    out.set(b.subarray(start, end), at);
    return;
  }
  for (let k = start; k < end; k++) out[at++] = b[k];
}

function packSpans(shardId: string, r: RecordSpans, from: number, to: number): RecordWindow {
  const n = to - from;
  const { spans, bytes, keys: keySource } = r;
  const size = spanBytes(r, from, to);
  // Every byte is written below; a buffer of its own (not Node's pool): it is moved to the pool.
  const data = Buffer.allocUnsafeSlow(size.data);
  const offsets = new Uint32Array(n + 1);
  const keys = Buffer.allocUnsafeSlow(size.keys);
  const keyOffsets = new Uint32Array(2 * n + 1);
  let pos = 0;
  let kpos = 0;
  for (let i = 0; i < n; i++) {
    const at = 6 * (from + i);
    offsets[i] = pos;
    copyBytes(bytes, spans[at], spans[at + 1], data, pos);
    pos += spans[at + 1] - spans[at];
    keyOffsets[2 * i] = kpos;
    copyBytes(keySource, spans[at + 2], spans[at + 3], keys, kpos);
    kpos += spans[at + 3] - spans[at + 2];
    keyOffsets[2 * i + 1] = kpos;
    copyBytes(keySource, spans[at + 4], spans[at + 5], keys, kpos);
    kpos += spans[at + 5] - spans[at + 4];
  }
  offsets[n] = pos;
  keyOffsets[2 * n] = kpos;
  return { shardId, data: data.buffer, offsets, keys: keys.buffer, keyOffsets, arrivals: r.arrivals.slice(from, to) };
}

function packObjects(shardId: string, records: readonly SourceRecord[], from: number, to: number): RecordWindow {
  const n = to - from;
  let total = 0;
  for (let i = from; i < to; i++) total += records[i].data.byteLength;
  const data = new Uint8Array(total);
  const offsets = new Uint32Array(n + 1);
  const arrivals = new Float64Array(n);
  let keyBytes = 0;
  for (let i = from; i < to; i++) keyBytes += records[i].sequenceNumber.length + records[i].partitionKey.length * 3;
  const keys = Buffer.allocUnsafeSlow(keyBytes);
  const keyOffsets = new Uint32Array(2 * n + 1);
  let pos = 0;
  let kpos = 0;
  for (let i = 0; i < n; i++) {
    const r = records[from + i];
    offsets[i] = pos;
    data.set(r.data, pos);
    pos += r.data.byteLength;
    keyOffsets[2 * i] = kpos;
    kpos += keys.write(r.sequenceNumber, kpos, 'latin1');
    keyOffsets[2 * i + 1] = kpos;
    kpos += keys.write(r.partitionKey, kpos, 'utf8');
    arrivals[i] = r.arrival;
  }
  offsets[n] = pos;
  keyOffsets[2 * n] = kpos;
  return { shardId, data: data.buffer, offsets, keys: keys.buffer, keyOffsets, arrivals };
}

/** The buffers a window owns, for a transfer list. */
export function windowTransferables(w: RecordWindow): ArrayBuffer[] {
  return [w.data, w.offsets.buffer as ArrayBuffer, w.keys, w.keyOffsets.buffer as ArrayBuffer, w.arrivals.buffer as ArrayBuffer];
}

/**
 * Records `from .. to` of a packed window as a window of their own, in fresh buffers (the same
 * layout, offsets re-based), so it can be moved to the pool while `w` stays where it is.
 */
export function sliceWindow(w: RecordWindow, from: number, to: number): RecordWindow {
  const n = to - from;
  const base = w.offsets[from];
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) offsets[i] = w.offsets[from + i] - base;
  const kbase = w.keyOffsets[2 * from];
  const keyOffsets = new Uint32Array(2 * n + 1);
  for (let i = 0; i <= 2 * n; i++) keyOffsets[i] = w.keyOffsets[2 * from + i] - kbase;
  return {
    shardId: w.shardId,
    data: w.data.slice(base, w.offsets[to]),
    offsets,
    keys: w.keys.slice(kbase, w.keyOffsets[2 * to]),
    keyOffsets,
    arrivals: w.arrivals.slice(from, to),
    // How untransformed records are written travels with every slice of the window.
    ...(w.rawFraming === undefined ? {} : { rawFraming: w.rawFraming }),
    ...(w.partitioning === undefined ? {} : { partitioning: w.partitioning }),
  };
}

/** The buffers of `buffers` that are worth a place in a transfer list (an empty one has nothing to move). */
export function movable(buffers: readonly ArrayBufferLike[]): ArrayBuffer[] {
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
}
