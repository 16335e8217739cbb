/**
 * Packs a slice of a shard's records into one window, and reads them back. A window's arrays live
 * in shared memory: the host thread packs the records' bytes once, and the relay and the pool thread
 * read that same memory, so no hop copies or moves a record (the relay keeps the window it handed
 * out, whole, in case it has to be bisected). A transform reads its input bytes; it must not write
 * to them.
 */
import type { RecordWindow, SourceRecord } from '../core/records.js';

/** A zero-filled shared buffer of `bytes` bytes. */
function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes);
}

export function packWindow(shardId: string, records: readonly SourceRecord[], from = 0, to = records.length): RecordWindow {
  const n = to - from;
  let total = 0;
  let keyBytes = 0;
  for (let i = from; i < to; i++) {
    const r = records[i];
    total += r.data.byteLength;
    keyBytes += r.sequenceNumber.length + r.partitionKey.length * 3;
  }
  const data = new Uint8Array(shared(total));
  const offsets = new Uint32Array(shared(4 * (n + 1)));
  const arrivals = new Float64Array(shared(8 * n));
  const keys = Buffer.from(shared(keyBytes));
  const keyOffsets = new Uint32Array(shared(4 * (2 * n + 1)));
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

/**
 * The buffers of `buffers` that can go in a transfer list: shared ones are shared by the message
 * itself (a transfer list holding one is refused), empty ones have nothing to move.
 */
export function movable(buffers: readonly ArrayBufferLike[]): ArrayBuffer[] {
  return buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
}

/** The buffers a window owns that move with it (none when it lives in shared memory), for a transfer list. */
export function windowTransferables(w: RecordWindow): ArrayBuffer[] {
  return movable([w.data, w.offsets.buffer, w.keys, w.keyOffsets.buffer, w.arrivals.buffer]);
}

/**
 * Records `from .. to` of a packed window as a window of their own (the same layout, offsets
 * re-based), which can be handed to the pool while `w` stays where it is: `w` itself when that is
 * all of it and it lives in shared memory, else a copy in fresh shared buffers.
 */
export function sliceWindow(w: RecordWindow, from: number, to: number): RecordWindow {
  const n = to - from;
  if (from === 0 && n === w.offsets.length - 1 && windowTransferables(w).length === 0) return w;
  const base = w.offsets[from];
  const offsets = new Uint32Array(shared(4 * (n + 1)));
  for (let i = 0; i <= n; i++) offsets[i] = w.offsets[from + i] - base;
  const kbase = w.keyOffsets[2 * from];
  const keyOffsets = new Uint32Array(shared(4 * (2 * n + 1)));
  for (let i = 0; i <= 2 * n; i++) keyOffsets[i] = w.keyOffsets[2 * from + i] - kbase;
  const data = new Uint8Array(shared(w.offsets[to] - base));
  data.set(new Uint8Array(w.data, base, data.byteLength));
  const keys = new Uint8Array(shared(w.keyOffsets[2 * to] - kbase));
  keys.set(new Uint8Array(w.keys, kbase, keys.byteLength));
  const arrivals = new Float64Array(shared(8 * n));
  arrivals.set(w.arrivals.subarray(from, to));
  return {
    shardId: w.shardId,
    data: data.buffer,
    offsets,
    keys: keys.buffer,
    keyOffsets,
    arrivals,
    // How untransformed records are written travels with every slice of the window.
    ...(w.rawFraming === undefined ? {} : { rawFraming: w.rawFraming }),
  };
}
