/**
 * What the `s3` and `file` emitters store for a batch: its NDJSON lines as they are (gzipped or
 * not), or one Parquet file; with the name's extension and the content headers that go with it.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { Batch } from '../core/batch.js';
import type { OutputFormat, ParquetOptions } from './parquet/parquet-options.js';

const gzip = promisify(gzipCb);

/** How a batch is stored: `format` (default NDJSON), its Parquet options, and gzip for NDJSON. */
export interface BatchFormat {
  /** @defaultValue 'ndjson' */
  format?: OutputFormat;
  /** Only with `format: 'parquet'`. @defaultValue inferred columns, snappy */
  parquet?: ParquetOptions;
  /** NDJSON only (refused with Parquet). @defaultValue false */
  gzip?: boolean;
}

export interface BatchBody {
  body: Uint8Array;
  /** Appended to the batch's name before any ".gz". */
  extension: string;
  gzip: boolean;
  contentType: string;
}

/** The name's extension and whether the body is gzipped, known before the body is built. */
export function batchNaming(format: BatchFormat): { extension: string; gzip: boolean } {
  return format.format === 'parquet' ? { extension: '.parquet', gzip: false } : { extension: '', gzip: format.gzip ?? false };
}

/** The bytes to store for `batch`; rejects as {@link batchToParquet} does for a record Parquet refuses. */
export async function batchBody(batch: Batch, format: BatchFormat): Promise<BatchBody> {
  if (format.format === 'parquet') {
    // Loaded only by emitters that write Parquet.
    const { batchToParquet } = await import('./parquet/parquet-writer.js');
    return { ...batchNaming(format), body: await batchToParquet(batch, format.parquet), contentType: 'application/vnd.apache.parquet' };
  }
  const naming = batchNaming(format);
  return { ...naming, body: naming.gzip ? await gzip(batch.data) : batch.data, contentType: 'application/x-ndjson' };
}
