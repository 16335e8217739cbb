/**
 * The output format of the `s3` and `file` emitters: NDJSON as the batch is, or one Parquet file
 * per batch. The options' values, the conflict that refuses `gzip` with Parquet, and the check of
 * the fields given to an emitter's constructor. Free of zod, which the emitter threads do not load;
 * the config file's schema of the same options is in `output-format-schema.ts`.
 */
import { ConfigError } from '../../core/errors.js';
import { mustBeMessage, show } from '../../config/messages.js';

export const OUTPUT_FORMATS = ['ndjson', 'parquet'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The column types a Parquet schema may declare (see the README's "Parquet output"). */
export const PARQUET_COLUMN_TYPES = ['string', 'int64', 'double', 'boolean', 'timestamp', 'json'] as const;
export type ParquetColumnType = (typeof PARQUET_COLUMN_TYPES)[number];

export const PARQUET_COMPRESSIONS = ['snappy', 'zstd', 'none'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

/** How a batch becomes a Parquet file. */
export interface ParquetOptions {
  /**
   * Top-level field → column type; only these fields are written, in this order. A value that
   * does not fit its type fails the batch (a permanent error naming field, shard and sequence).
   * @defaultValue inferred from each batch
   */
  columns?: Record<string, ParquetColumnType>;
  /** @defaultValue 'snappy' */
  compression?: ParquetCompression;
}

export const PARQUET_DEFAULTS = { compression: 'snappy' } as const satisfies ParquetOptions;

const COLUMN_TYPES_RULE = `one of ${PARQUET_COLUMN_TYPES.map((type) => `"${type}"`).join(', ')}`;

/** The first problem of a `columns` value given to a constructor, with the key it is about. */
export function parquetColumnsProblem(columns: unknown): { column?: string; message: string } | undefined {
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns) || Object.keys(columns).length === 0) {
    return { message: `must map field names to column types, such as {"user": "string"}, got ${show(columns)}` };
  }
  for (const [column, type] of Object.entries(columns as Record<string, unknown>)) {
    if (column === '') return { message: 'keys must be non-empty field names, got ""' };
    if (!(PARQUET_COLUMN_TYPES as readonly unknown[]).includes(type)) return { column, message: mustBeMessage(COLUMN_TYPES_RULE, type) };
  }
  return undefined;
}


export interface FormatFields { format?: unknown; parquet?: unknown; gzip?: unknown }

/** Why `format`, `parquet` and `gzip` do not go together, and which option to name; undefined when they do. */
export function formatConflict(fields: FormatFields): { option: 'gzip' | 'parquet'; message: string } | undefined {
  if (fields.format === 'parquet' && fields.gzip === true) {
    return { option: 'gzip', message: 'must be false with format "parquet" (a Parquet file compresses itself: set parquet.compression)' };
  }
  if (fields.format !== 'parquet' && fields.parquet !== undefined) return { option: 'parquet', message: 'applies only with format "parquet"' };
  return undefined;
}

/** Checks the `format`, `parquet` and `gzip` given to an emitter's constructor. */
export function checkOutputFormat(fields: FormatFields, path: string): void {
  if (fields.format !== undefined && !(OUTPUT_FORMATS as readonly unknown[]).includes(fields.format)) {
    throw new ConfigError(`${path}format`, mustBeMessage('"ndjson" or "parquet"', fields.format));
  }
  const parquet = fields.parquet as ParquetOptions | undefined;
  if (parquet !== undefined) {
    if (parquet === null || typeof parquet !== 'object') throw new ConfigError(`${path}parquet`, `must be an object { columns?, compression? }, got ${show(parquet)}`);
    if (parquet.columns !== undefined) {
      const problem = parquetColumnsProblem(parquet.columns);
      if (problem) throw new ConfigError(`${path}parquet.columns${problem.column === undefined ? '' : `.${problem.column}`}`, problem.message);
    }
    if (parquet.compression !== undefined && !(PARQUET_COMPRESSIONS as readonly unknown[]).includes(parquet.compression)) {
      throw new ConfigError(`${path}parquet.compression`, mustBeMessage('"snappy", "zstd" or "none"', parquet.compression));
    }
  }
  const conflict = formatConflict(fields);
  if (conflict) throw new ConfigError(`${path}${conflict.option}`, conflict.message);
}
