/**
 * The columns of a batch's Parquet file: inferred from its records, or declared; and the rule of
 * each column type for the values it takes.
 */
import type { ParquetColumnType } from './parquet-options.js';

export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
}

/** A JSON record: one object per line of a batch. */
export type JsonRecord = Record<string, unknown>;

type Kind = 'string' | 'integer' | 'double' | 'boolean' | 'json';

function kindOf(value: unknown): Kind | undefined {
  switch (typeof value) {
    case 'string': return 'string';
    case 'boolean': return 'boolean';
    // JSON.parse gives doubles: an integer past 2^53 has already lost digits, so it stays a double.
    case 'number': return Number.isSafeInteger(value) ? 'integer' : 'double';
    default: return value === null || value === undefined ? undefined : 'json';
  }
}

function merge(a: Kind | undefined, b: Kind): Kind {
  if (a === undefined || a === b) return b;
  if ((a === 'integer' && b === 'double') || (a === 'double' && b === 'integer')) return 'double';
  return 'json';
}

const TYPE_OF_KIND: Record<Kind, ParquetColumnType> = { string: 'string', integer: 'int64', double: 'double', boolean: 'boolean', json: 'json' };

/**
 * The union of the records' top-level fields, in the order they first appear. A field's type is
 * that of its non-null values: strings → string, integers → int64, numbers with any non-integer
 * (or an integer beyond 2^53) → double, booleans → boolean; objects, arrays, and fields whose
 * values have different types → json. A field that is null wherever it appears is json.
 */
export function inferColumns(records: readonly JsonRecord[]): ParquetColumn[] {
  const kinds = new Map<string, Kind | undefined>();
  for (const record of records) {
    for (const key in record) {
      const kind = kindOf(record[key]);
      const known = kinds.get(key);
      if (kind === undefined) {
        if (!kinds.has(key)) kinds.set(key, undefined);
      } else if (known !== 'json') {
        kinds.set(key, merge(known, kind));
      }
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, type: TYPE_OF_KIND[kind ?? 'json'] }));
}

/** The declared columns, in the order of `columns`. */
export function declaredColumns(columns: Record<string, ParquetColumnType>): ParquetColumn[] {
  return Object.entries(columns).map(([name, type]) => ({ name, type }));
}

/** A value a column of some type cannot hold; the message says what the type takes. */
export class UnfitValue {
  constructor(readonly expected: string) {}
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The value a column of `type` stores for a record's `value` (null for null or missing), or an
 * {@link UnfitValue}: string takes strings; int64 integers (safe in a double, as JSON.parse gives
 * them); double numbers; boolean booleans; timestamp milliseconds since the epoch (an integer) or
 * a date string Date.parse reads (ISO 8601); json any value, stored as its JSON text.
 */
export function columnValue(type: ParquetColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'string': return typeof value === 'string' ? value : new UnfitValue('a string');
    case 'int64': {
      if (!Number.isSafeInteger(value)) return new UnfitValue('an integer between -(2^53 - 1) and 2^53 - 1');
      const big = BigInt(value as number);
      return big >= INT64_MIN && big <= INT64_MAX ? big : new UnfitValue('a 64-bit integer');
    }
    case 'double': return typeof value === 'number' ? value : new UnfitValue('a number');
    case 'boolean': return typeof value === 'boolean' ? value : new UnfitValue('true or false');
    case 'timestamp': {
      const ms = typeof value === 'number' ? (Number.isSafeInteger(value) ? value : NaN) : typeof value === 'string' ? Date.parse(value) : NaN;
      return Number.isNaN(ms) ? new UnfitValue('milliseconds since the epoch (an integer) or an ISO 8601 date string') : new Date(ms);
    }
    case 'json': return value;
  }
}
