/**
 * The pipeline's domain types: where a shard is read from, a record as a source delivers it, a
 * window of records packed for the transform pool and the pool's answer. They describe data, not
 * messages: sources, the transform runner and the buffer use them without knowing about threads.
 */
import type { RecordPart } from '../emitters/key-template.js';
import type { RawFraming } from '../transform/raw-framing.js';

/** Where a shard actor starts reading. */
export type StartAt =
  | { type: 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string }
  /**
   * At the Kinesis record `sequenceNumber` itself: a checkpoint inside a KPL aggregate
   * (`<sequenceNumber>.<subSequenceNumber>`). The user records of that Kinesis record up to
   * `subSequenceNumber` are stored already: the shard actor drops them (see `actors/record-intake.ts`).
   */
  | { type: 'AT_SEQUENCE_NUMBER'; sequenceNumber: string; subSequenceNumber?: number }
  | { type: 'TRIM_HORIZON' }
  | { type: 'LATEST' }
  | { type: 'AT_TIMESTAMP'; timestamp: number };

/** One record as a source delivers it. */
export interface SourceRecord {
  data: Uint8Array;
  sequenceNumber: string;
  partitionKey: string;
  /** Approximate arrival time, ms since the epoch (NaN when unknown). */
  arrival: number;
}

/**
 * A source's records held as spans of buffers, with no object per record: what the Kinesis reader
 * makes of a GetRecords answer in CBOR (see `aws/kinesis-cbor-scan.ts`) and the file source of a
 * chunk of lines. Record i's data is `bytes[spans[6i] .. spans[6i+1])`, its sequence number (ASCII
 * digits) `keys[spans[6i+2] .. spans[6i+3])` and its partition key (UTF-8)
 * `keys[spans[6i+4] .. spans[6i+5])`; spans may overlap (records of a file share one partition key),
 * and `keys` may be `bytes` itself (a CBOR answer). `core/record-spans.ts` reads them;
 * `transform/record-window.ts` packs them into windows.
 */
export interface RecordSpans {
  bytes: Uint8Array;
  keys: Uint8Array;
  spans: Uint32Array;
  /** Approximate arrival time of each record, ms since the epoch (NaN when unknown). */
  arrivals: Float64Array;
  length: number;
}

/** A response's records, as objects or as spans of one buffer. */
export type SourceRecords = readonly SourceRecord[] | RecordSpans;

/**
 * Sequence numbers and partition keys of a window's records, packed once when the window is cut and
 * referenced by index from then on (strings would be cloned at every hop between threads): record
 * i's sequence number (latin1 digits) is `keys[keyOffsets[2i] .. keyOffsets[2i+1])` and its
 * partition key (UTF-8) `keys[keyOffsets[2i+1] .. keyOffsets[2i+2])`.
 */
export interface WindowKeys {
  keys: ArrayBuffer;
  keyOffsets: Uint32Array;
  /** Approximate arrival time of each record, ms since the epoch (NaN when unknown). */
  arrivals: Float64Array;
}

/** A slice of one shard's records, packed for the transform pool (buffers are transferred). */
export interface RecordWindow extends WindowKeys {
  shardId: string;
  /** Record bytes back to back; record i is `data[offsets[i] .. offsets[i+1])`. */
  data: ArrayBuffer;
  offsets: Uint32Array;
  /**
   * How untransformed records are framed (see `raw-framing.ts`); set by the shard host for the
   * emitters that store lines, absent where records pass as they are. Ignored by a transform module.
   */
  rawFraming?: RawFraming;
  /**
   * The per-record parts of the emitter's key template (`{field:…}`, `{arrival:…}`), set by the
   * shard host like `rawFraming` when the template has any: the pool then gives each kept output
   * its partition (see `TransformResult.partitions`).
   */
  partitioning?: Partitioning;
}

/** What the pool needs to compute each output's partition. */
export interface Partitioning {
  parts: RecordPart[];
  /** The value of a field that is missing, empty or not a scalar (`emitter.keyFieldDefault`). */
  fieldDefault: string;
}

/** A record whose transform threw: kept whole so the dead-letter sink can store it. */
export interface TransformFailure {
  index: number;
  dataBase64: string;
  error: { name: string; message: string; stack?: string };
}

/**
 * The pool's answer for one window. Outputs each end with "\n"; output j is
 * `data[offsets[j] .. offsets[j+1])`, and `data` may hold unused room after the last output
 * (`offsets[last]` is where they end). The window's packed keys and arrival times come back with it
 * (moved, not copied), so the buffer can take each kept record's sequence number from them and
 * date a batch by its first record's arrival.
 */
export interface TransformResult extends WindowKeys {
  data: ArrayBuffer;
  offsets: Uint32Array;
  /** Index in the window of each kept output, ascending. */
  keptIndex: Uint32Array;
  filtered: number;
  failures: TransformFailure[];
  /**
   * With `partitioning`: the distinct partition values of the kept outputs (the per-record parts
   * rendered, encoded and joined with `|`), and the index into them of each kept output.
   */
  partitions?: string[];
  partitionOf?: Uint32Array;
  /** Milliseconds the pool thread spent on the window (absent on a result put together by bisection). */
  runMs?: number;
}

/** Record i's sequence number in packed window keys. */
export function sequenceNumberOf(w: WindowKeys, i: number): string {
  return Buffer.from(w.keys).toString('latin1', w.keyOffsets[2 * i], w.keyOffsets[2 * i + 1]);
}

/** Record i's partition key in packed window keys. */
export function partitionKeyOf(w: WindowKeys, i: number): string {
  return Buffer.from(w.keys).toString('utf8', w.keyOffsets[2 * i + 1], w.keyOffsets[2 * i + 2]);
}

/** The outputs of a transform result, back to back (without the room after them). */
export function outputBytes(r: Pick<TransformResult, 'data' | 'offsets'>): Buffer {
  return Buffer.from(r.data, 0, r.offsets[r.offsets.length - 1]);
}
