/** Packs a slice of a shard's records into one transferable window, and reads them back. */
import type { RecordWindow } from './protocol.js';

/** One record as a source delivers it. */
export interface SourceRecord {
  data: Uint8Array;
  sequenceNumber: string;
  partitionKey: string;
  /** Approximate arrival time, ms since the epoch (NaN when unknown). */
  arrival: number;
}

export function packWindow(shardId: string, records: readonly SourceRecord[], from = 0, to = records.length): RecordWindow {
  const n = to - from;
  let total = 0;
  for (let i = from; i < to; i++) total += records[i].data.byteLength;
  const data = new Uint8Array(total);
  const offsets = new Uint32Array(n + 1);
  const sequenceNumbers = new Array<string>(n);
  const partitionKeys = new Array<string>(n);
  const arrivals = new Float64Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const r = records[from + i];
    offsets[i] = pos;
    data.set(r.data, pos);
    pos += r.data.byteLength;
    sequenceNumbers[i] = r.sequenceNumber;
    partitionKeys[i] = r.partitionKey;
    arrivals[i] = r.arrival;
  }
  offsets[n] = pos;
  return { shardId, data: data.buffer, offsets, sequenceNumbers, partitionKeys, arrivals };
}

/** The buffers a window owns, for a transfer list. */
export function windowTransferables(w: RecordWindow): ArrayBuffer[] {
  return [w.data, w.offsets.buffer as ArrayBuffer, w.arrivals.buffer as ArrayBuffer];
}
