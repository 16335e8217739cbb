/** The config file's schema of `format` and `parquet` (zod), built on the rules in `parquet-options.ts`. */
import { z } from 'zod';
import { EVEN_WITH_BAD_OPTIONS, judgedWhole, section } from '../../config/object-rules.js';
import { oneOf } from '../../config/rules.js';
import {
  OUTPUT_FORMATS, PARQUET_COMPRESSIONS, PARQUET_DEFAULTS, formatConflict, parquetColumnsProblem,
  type FormatFields, type ParquetColumnType,
} from './parquet-options.js';

const columnTypes = judgedWhole(z.record(z.string(), z.string()), (value) => parquetColumnsProblem(value)!.message)
  .superRefine((columns, ctx) => {
    const problem = parquetColumnsProblem(columns);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.column === undefined ? [] : [problem.column], message: problem.message, input: columns });
  })
  .transform((columns) => columns as Record<string, ParquetColumnType>);

/** The options `format` and `parquet` of the `s3` and `file` emitters, in the order they are checked. */
export function outputFormatShape() {
  return {
    /** "ndjson": the batch's lines as they are; "parquet": one Parquet file per batch. @defaultValue 'ndjson' */
    format: oneOf(OUTPUT_FORMATS, '"ndjson" or "parquet"').optional().meta({ default: 'ndjson' }),
    /** The Parquet schema and compression (only with `format: "parquet"`). @defaultValue {} */
    parquet: section({
      /** Field → "string", "int64", "double", "boolean", "timestamp" or "json". @defaultValue inferred per batch */
      columns: columnTypes.optional(),
      /** @defaultValue 'snappy' */
      compression: oneOf(PARQUET_COMPRESSIONS, '"snappy", "zstd" or "none"').default(PARQUET_DEFAULTS.compression),
    }).optional(),
  };
}

export const OUTPUT_FORMAT_OPTIONS = ['format', 'parquet'];

/** The rule across `format`, `parquet` and `gzip` of a config-file section. */
export const formatRule = z.superRefine<FormatFields>((fields, ctx) => {
  const conflict = formatConflict(fields);
  if (conflict) ctx.addIssue({ code: 'custom', path: [conflict.option], message: conflict.message, input: fields[conflict.option] });
}, EVEN_WITH_BAD_OPTIONS);
