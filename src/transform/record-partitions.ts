/**
 * The partition of each kept output of a window, for key templates with per-record parts
 * (`{field:…}`, `{arrival:…}`): the parts rendered and joined with {@link PARTITION_SEPARATOR},
 * dictionary-encoded (the distinct values once, an index per output). With arrival parts only (the
 * default template) a record of the same unit as the one before (the same day) costs a division
 * and a comparison.
 */
import type { Partitioning, TransformResult } from '../core/records.js';
import { ArrivalFormatter } from '../emitters/arrival-format.js';
import { encodeKeyValue, fieldValue } from '../emitters/key-value.js';

/** Joins the parts of a partition value; never in an encoded value or an arrival format. */
export const PARTITION_SEPARATOR = '|';

type PartValue = (record: unknown, arrival: number) => string;

export class PartitionBuilder {
  private readonly dict = new Map<string, number>();
  private readonly values: string[] = [];
  /** The partition of each kept output so far (room for every record of the window). */
  private readonly of: Uint32Array;
  private kept = 0;
  private readonly parts: PartValue[];
  /** True when the parts read the record's fields (raw records are then parsed as JSON). */
  readonly readsRecord: boolean;
  /** Arrival parts only: the finest unit, and the last unit seen with its partition. */
  private readonly unitMs: number;
  private lastUnit = NaN;
  private lastIndex = 0;

  /** `now` dates records whose arrival is unknown (NaN): the time their window is transformed. */
  constructor(p: Partitioning, private readonly arrivals: Float64Array, private readonly now = Date.now()) {
    this.of = new Uint32Array(arrivals.length);
    this.readsRecord = p.parts.some((part) => part.kind === 'field');
    let unitMs = Number.POSITIVE_INFINITY;
    this.parts = p.parts.map((part): PartValue => {
      if (part.kind === 'field') return (record) => encodeKeyValue(fieldValue(record, part.path), p.fieldDefault);
      const f = new ArrivalFormatter(part.format);
      unitMs = Math.min(unitMs, f.unitMs);
      return (_record, arrival) => f.format(arrival);
    });
    this.unitMs = this.readsRecord ? NaN : unitMs;
  }

  /** The partition index of window record `i` whose output (parsed) is `record`; not yet kept. */
  indexOf(record: unknown, i: number): number {
    const a = this.arrivals[i];
    const arrival = Number.isNaN(a) ? this.now : a;
    if (!this.readsRecord) {
      const unit = this.unitMs === Number.POSITIVE_INFINITY ? 0 : Math.floor(arrival / this.unitMs);
      if (unit === this.lastUnit) return this.lastIndex;
      this.lastUnit = unit;
      return (this.lastIndex = this.intern(this.render(record, arrival)));
    }
    return this.intern(this.render(record, arrival));
  }

  /** Records that output `index` (of {@link indexOf}) was kept. */
  keep(index: number): void {
    this.of[this.kept++] = index;
  }

  private render(record: unknown, arrival: number): string {
    if (this.parts.length === 1) return this.parts[0](record, arrival);
    let out = '';
    for (let k = 0; k < this.parts.length; k++) out += (k === 0 ? '' : PARTITION_SEPARATOR) + this.parts[k](record, arrival);
    return out;
  }

  private intern(value: string): number {
    let index = this.dict.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.dict.set(value, index);
    }
    return index;
  }

  finish(): Pick<TransformResult, 'partitions' | 'partitionOf'> {
    return { partitions: this.values, partitionOf: this.kept === this.of.length ? this.of : this.of.slice(0, this.kept) };
  }
}

/** The per-record values of a partition, in the order of the template's per-record parts. */
export function partitionParts(value: string): string[] {
  return value.split(PARTITION_SEPARATOR);
}

/**
 * A raw record as JSON for `{field:…}` parts; a record that is not a JSON object has no fields
 * (defaults). One that does not begin with `{` (after blanks) is not parsed at all: a failed
 * JSON.parse costs microseconds.
 */
export function parseRawRecord(data: Buffer): unknown {
  let at = 0;
  while (at < data.length && (data[at] === 0x20 || data[at] === 0x09 || data[at] === 0x0a || data[at] === 0x0d)) at++;
  if (data[at] !== 0x7b) return undefined;
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
