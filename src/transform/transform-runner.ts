/** Runs the transform module over whole windows inside a pool thread. */
import type { RecordWindow, TransformFailure, TransformResult } from '../core/records.js';
import { frameRaw } from './raw-framing.js';
import { parseRawRecord, PartitionBuilder } from './record-partitions.js';
import { loadTransformModule, type RecordMeta, type TransformModule } from './transform-module.js';

const NEWLINE = 0x0a;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Growable output: records back to back, each followed by "\n". Untransformed records are framed
 * first ({@link frameRaw}), so none of them can turn into two lines.
 */
class OutputWriter {
  private buf: Buffer;
  private pos = 0;
  readonly offsets: number[] = [0];

  // Buffers of their own (never a slice of Node's shared pool), so the output moves to the host
  // thread as it is, unused room after it included.
  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(1024, sizeHint));
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A raw record, framed as `framing` says, or as it is when no framing is asked for. */
  writeRaw(data: Buffer, framing: RecordWindow['rawFraming']): void {
    this.write(framing === undefined ? data : frameRaw(data, framing));
  }

  write(value: unknown): void {
    if (typeof value === 'string') {
      this.ensure(value.length * 3 + 1);
      this.pos += this.buf.write(value, this.pos, 'utf8');
    } else if (value instanceof Uint8Array) {
      this.ensure(value.byteLength + 1);
      this.buf.set(value, this.pos);
      this.pos += value.byteLength;
    } else {
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError(`fromRecord returned ${typeof value}, which cannot be written`);
      return this.write(json);
    }
    this.newline();
  }

  private newline(): void {
    this.ensure(1);
    this.buf[this.pos++] = NEWLINE;
    this.offsets.push(this.pos);
  }

  /** The outputs, not copied: `data` may be longer than they are (`offsets` says where they end). */
  finish(): { data: ArrayBuffer; offsets: Uint32Array } {
    return { data: this.buf.buffer as ArrayBuffer, offsets: Uint32Array.from(this.offsets) };
  }
}

/** A record's metadata, decoded from the window's packed keys only when the transform asks. */
class WindowRecordMeta implements RecordMeta {
  constructor(private readonly w: RecordWindow, private readonly keys: Buffer, private readonly i: number) {}

  get shardId(): string {
    return this.w.shardId;
  }

  get sequenceNumber(): string {
    const k = this.w.keyOffsets;
    return this.keys.toString('latin1', k[2 * this.i], k[2 * this.i + 1]);
  }

  get partitionKey(): string {
    const k = this.w.keyOffsets;
    return this.keys.toString('utf8', k[2 * this.i + 1], k[2 * this.i + 2]);
  }

  get approximateArrivalTimestamp(): number {
    return this.w.arrivals[this.i];
  }

  toJSON(): RecordMeta {
    return { shardId: this.shardId, sequenceNumber: this.sequenceNumber, partitionKey: this.partitionKey, approximateArrivalTimestamp: this.approximateArrivalTimestamp };
  }
}

export class TransformRunner {
  /** `raw`: no transform module, records pass through (framed as each window says). */
  private constructor(private readonly mod: TransformModule, private readonly raw: boolean) {}

  static async load(file: string | undefined): Promise<TransformRunner> {
    return new TransformRunner(await loadTransformModule(file), file === undefined);
  }

  async run(w: RecordWindow): Promise<TransformResult> {
    if (this.raw) return passThrough(w);
    const mod = this.mod;
    const { filters } = mod;
    const n = w.offsets.length - 1;
    const input = Buffer.from(w.data);
    const keys = Buffer.from(w.keys);
    const out = new OutputWriter(w.data.byteLength + n);
    const partitions = w.partitioning && new PartitionBuilder(w.partitioning, w.arrivals);
    const kept: number[] = [];
    const failures: TransformFailure[] = [];
    let filtered = 0;
    for (let i = 0; i < n; i++) {
      const data = input.subarray(w.offsets[i], w.offsets[i + 1]);
      const meta = new WindowRecordMeta(w, keys, i);
      try {
        let model = mod.toRecord(data, meta);
        if (isThenable(model)) model = await model;
        if (filters) {
          let keep = mod.keepRecord(model, meta);
          if (isThenable(keep)) keep = await keep;
          if (!keep) {
            filtered++;
            continue;
          }
        }
        // The partition comes from the model, before fromRecord may change it.
        const partition = partitions?.indexOf(model, i) ?? 0;
        let encoded = mod.fromRecord(model, meta);
        if (isThenable(encoded)) encoded = await encoded;
        out.write(encoded);
        kept.push(i);
        partitions?.keep(partition);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        failures.push({ index: i, dataBase64: data.toString('base64'), error: { name: e.name, message: e.message, stack: e.stack } });
      }
    }
    const { data, offsets } = out.finish();
    return { data, offsets, keptIndex: Uint32Array.from(kept), filtered, failures, keys: w.keys, keyOffsets: w.keyOffsets, arrivals: w.arrivals,
      ...partitions?.finish() };
  }
}

/** Every record of the window, framed as the window says: nothing is filtered and nothing fails. */
function passThrough(w: RecordWindow): TransformResult {
  const n = w.offsets.length - 1;
  const input = Buffer.from(w.data);
  const out = new OutputWriter(w.rawFraming === 'base64' ? Math.ceil(w.data.byteLength * 4 / 3) + 4 * n : w.data.byteLength + n);
  const partitions = w.partitioning && new PartitionBuilder(w.partitioning, w.arrivals);
  for (let i = 0; i < n; i++) {
    const data = input.subarray(w.offsets[i], w.offsets[i + 1]);
    out.writeRaw(data, w.rawFraming);
    if (partitions) partitions.keep(partitions.indexOf(partitions.readsRecord ? parseRawRecord(data) : undefined, i));
  }
  const { data, offsets } = out.finish();
  return { data, offsets, keptIndex: Uint32Array.from({ length: n }, (_, i) => i), filtered: 0, failures: [], keys: w.keys, keyOffsets: w.keyOffsets, arrivals: w.arrivals,
    ...partitions?.finish() };
}
