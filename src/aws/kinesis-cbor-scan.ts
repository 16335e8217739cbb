/**
 * A GetRecords answer in CBOR read straight into record spans (`RecordSpans`): one pass over the
 * answer's bytes that notes where each record's Data, SequenceNumber and PartitionKey lie, with no
 * object, view or string per record. A general CBOR decoder would build a map, a byte-string view and
 * two strings for every record, all kept until the answer is cut into windows: with 10,000 records an
 * answer and two answers a shard in memory, that was most of a host thread's heap.
 *
 * It reads the encoding Kinesis uses: definite or indefinite maps and arrays, definite byte and
 * text strings, integers, floats and tags (tag 1 on the arrival time). Anything else — a chunked
 * (indefinite-length) string where a span is needed, Data as a text string, bytes that are not a
 * well-formed answer — makes it give up (`undefined`), and the caller decodes the answer with the
 * general decoder instead, which also words the error of an answer that is not one.
 */
import type { RecordSpans } from '../core/records.js';

/** What the scan found besides the records. */
export interface ScannedAnswer {
  records: RecordSpans;
  nextShardIterator: string | undefined;
  millisBehindLatest: number;
}

/** Thrown inside the scan to give up; never leaves this module. */
const GIVE_UP = new Error('not a plain GetRecords answer');

const key = (s: string) => Buffer.from(s, 'latin1');
const RECORDS = key('Records');
const NEXT_SHARD_ITERATOR = key('NextShardIterator');
const MILLIS_BEHIND_LATEST = key('MillisBehindLatest');
const DATA = key('Data');
const SEQUENCE_NUMBER = key('SequenceNumber');
const PARTITION_KEY = key('PartitionKey');
const ARRIVAL = key('ApproximateArrivalTimestamp');

const BREAK = 0xff;
/** Additional information 31: an indefinite length (or, in major type 7, the break). */
const INDEFINITE = -1;
/** Major type 7's arguments that are not simple values 0–23: floats by their size, and simple values 32–255. */
const FLOAT16 = -2;
const FLOAT32 = -4;
const FLOAT64 = -8;
const SIMPLE = -100;

/** Reads items from `pos` on; `head()` and `span()` leave what they read in fields, so a record costs no allocation. */
class Scanner {
  pos = 0;
  /** What `head()` read: the item's major type and its argument (a length, a value, INDEFINITE, or a float's size). */
  major = 0;
  arg = 0;
  /** What `span()` read: [start, end) of a string's bytes. */
  start = 0;
  end = 0;

  private readonly view: DataView;

  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  head(): void {
    const b = this.b;
    if (this.pos >= b.length) throw GIVE_UP;
    const first = b[this.pos++];
    const major = first >> 5;
    const info = first & 0x1f;
    this.major = major;
    if (info < 24) {
      this.arg = info;
      return;
    }
    if (info === 31) {
      if (major === 0 || major === 1 || major === 6) throw GIVE_UP;
      this.arg = INDEFINITE;
      return;
    }
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (size === 0 || this.pos + size > b.length) throw GIVE_UP;
    if (major === 7) {
      // A float keeps its bits in the bytes: `number()` reads them there.
      this.arg = size === 1 ? SIMPLE : -size;
      this.pos += size;
      return;
    }
    let arg = 0;
    for (let k = 0; k < size; k++) arg = arg * 256 + b[this.pos++];
    if (arg > Number.MAX_SAFE_INTEGER && major !== 0 && major !== 1) throw GIVE_UP;
    this.arg = arg;
  }

  /** Skips the break of an indefinite item when it is next; true when it was. */
  atBreak(): boolean {
    if (this.pos >= this.b.length) throw GIVE_UP;
    if (this.b[this.pos] !== BREAK) return false;
    this.pos++;
    return true;
  }

  /** A definite byte or text string of major type `major`: its bytes in `start` and `end`. */
  span(major: number): void {
    this.head();
    if (this.major !== major || this.arg === INDEFINITE) throw GIVE_UP;
    this.start = this.pos;
    this.end = this.pos + this.arg;
    if (this.end > this.b.length) throw GIVE_UP;
    this.pos = this.end;
  }

  /** Whether the text string last read by `span()` is `name`. */
  is(name: Uint8Array): boolean {
    if (this.end - this.start !== name.length) return false;
    for (let k = 0; k < name.length; k++) if (this.b[this.start + k] !== name[k]) return false;
    return true;
  }

  /** A number: an integer, a float, or either under a tag; null and undefined are NaN. */
  number(): number {
    const at = this.pos;
    this.head();
    const { major, arg } = this;
    if (major === 0) return arg;
    if (major === 1) return -1 - arg;
    if (major === 6) return this.number();
    if (major !== 7) throw GIVE_UP;
    if (arg === 22 || arg === 23) return NaN;
    if (arg === FLOAT64) return this.view.getFloat64(at + 1);
    if (arg === FLOAT32) return this.view.getFloat32(at + 1);
    if (arg === FLOAT16) return halfFloat(this.view.getUint16(at + 1));
    throw GIVE_UP;
  }

  /** Skips one item of any kind. */
  skip(): void {
    this.head();
    const { major, arg } = this;
    switch (major) {
      case 0: case 1: case 7: return;
      case 2: case 3:
        if (arg === INDEFINITE) {
          while (!this.atBreak()) this.skip();
          return;
        }
        this.pos += arg;
        if (this.pos > this.b.length) throw GIVE_UP;
        return;
      case 4: case 5: {
        const items = major === 5 ? 2 : 1;
        if (arg === INDEFINITE) {
          while (!this.atBreak()) for (let k = 0; k < items; k++) this.skip();
          return;
        }
        for (let i = 0; i < arg * items; i++) this.skip();
        return;
      }
      case 6: this.skip(); return;
    }
  }

  /** The head of a map (definite or indefinite): its number of entries, or INDEFINITE. */
  map(): number {
    this.head();
    if (this.major !== 5) throw GIVE_UP;
    return this.arg;
  }

  /** Whether a map or array of `count` items (or INDEFINITE) has another one, after `i` read. */
  more(count: number, i: number): boolean {
    return count === INDEFINITE ? !this.atBreak() : i < count;
  }

  /** Whether the next item is null or undefined (and skips it if so). */
  absent(): boolean {
    const v = this.b[this.pos];
    if (v !== 0xf6 && v !== 0xf7) return false;
    this.pos++;
    return true;
  }
}

/** IEEE 754 half precision. */
function halfFloat(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Seconds or ms since the epoch (arrival times are after 2013: 1e11 s is the year 5138, 1e11 ms is 1973). */
export function epochMs(n: number): number {
  return Math.abs(n) < 1e11 ? Math.round(n * 1000) : Math.round(n);
}

/** A growable column of spans and arrival times; empty until a record comes (most answers of an idle shard have none). */
class Columns {
  spans = new Uint32Array(0);
  arrivals = new Float64Array(0);
  length = 0;

  reserve(n: number): void {
    n = Math.max(n, 64);
    if (n <= this.arrivals.length) return;
    const spans = new Uint32Array(6 * n);
    spans.set(this.spans.subarray(0, 6 * this.length));
    const arrivals = new Float64Array(n);
    arrivals.set(this.arrivals.subarray(0, this.length));
    this.spans = spans;
    this.arrivals = arrivals;
  }
}

function scanRecord(s: Scanner, c: Columns): void {
  if (c.length === c.arrivals.length) c.reserve(2 * c.length);
  const i = c.length;
  const at = 6 * i;
  // Record i's slots are fresh zeros (columns are new per answer): a field it lacks stays an empty span.
  const spans = c.spans;
  let sequenceNumber = false;
  c.arrivals[i] = NaN;
  const entries = s.map();
  for (let k = 0; s.more(entries, k); k++) {
    s.span(3);
    if (s.is(DATA)) {
      // A null Data is not a record: the decoder words that.
      s.span(2);
      spans[at] = s.start;
      spans[at + 1] = s.end;
    } else if (s.is(SEQUENCE_NUMBER)) {
      s.span(3);
      spans[at + 2] = s.start;
      spans[at + 3] = s.end;
      sequenceNumber = true;
    } else if (s.is(PARTITION_KEY)) {
      if (s.absent()) continue;
      s.span(3);
      spans[at + 4] = s.start;
      spans[at + 5] = s.end;
    } else if (s.is(ARRIVAL)) {
      const n = s.number();
      c.arrivals[i] = Number.isFinite(n) ? epochMs(n) : NaN;
    } else {
      s.skip();
    }
  }
  // A record without a sequence number is for the general decoder to word.
  if (!sequenceNumber) throw GIVE_UP;
  c.length++;
}

/**
 * The records of a 2xx GetRecords answer as spans of `body`, or `undefined` when the answer is not
 * in the plain encoding this scan reads (the caller then decodes it in full). Sequence numbers are
 * checked by the reader, as for the general decoder's answers.
 */
export function scanGetRecordsAnswer(body: Uint8Array): ScannedAnswer | undefined {
  const s = new Scanner(body);
  const c = new Columns();
  let nextShardIterator: string | undefined;
  let millisBehindLatest = 0;
  try {
    const entries = s.map();
    for (let k = 0; s.more(entries, k); k++) {
      s.span(3);
      if (s.is(RECORDS)) {
        if (s.absent()) continue;
        s.head();
        const { major, arg } = s;
        if (major !== 4) throw GIVE_UP;
        // A count from the answer is not trusted with memory up front: GetRecords gives at most 10,000.
        // An empty array (an idle shard's answer) reserves nothing.
        if (arg !== INDEFINITE && arg > 0) c.reserve(Math.min(arg, 10_000));
        for (let i = 0; s.more(arg, i); i++) scanRecord(s, c);
      } else if (s.is(NEXT_SHARD_ITERATOR)) {
        if (s.absent()) continue;
        s.span(3);
        nextShardIterator = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8', s.start, s.end);
      } else if (s.is(MILLIS_BEHIND_LATEST)) {
        if (s.absent()) continue;
        millisBehindLatest = s.number();
        if (!Number.isFinite(millisBehindLatest)) throw GIVE_UP;
      } else {
        s.skip();
      }
    }
    if (s.pos !== body.length) throw GIVE_UP;
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
  const records: RecordSpans = { bytes: body, keys: body, spans: c.spans.subarray(0, 6 * c.length), arrivals: c.arrivals.subarray(0, c.length), length: c.length };
  return { records, nextShardIterator, millisBehindLatest };
}
