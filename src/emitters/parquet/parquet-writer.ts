/**
 * A batch as one Parquet file (hyparquet-writer, pure JavaScript; zstd through @bokuweb/zstd-wasm):
 * each line a JSON object, one row per record, columns inferred from the batch or declared. A
 * record that cannot be a row fails the whole batch with a permanent EmitError naming the shard and
 * the record's sequence number (and the field): no retry writes it, and storing the rest would
 * checkpoint past it.
 */
import { parquetWriteBuffer, type BasicType, type ColumnSource } from 'hyparquet-writer';
import { sequenceNumberAt, type Batch } from '../../core/batch.js';
import { EmitError } from '../../core/errors.js';
import { PARQUET_DEFAULTS, type ParquetColumnType, type ParquetOptions } from './parquet-options.js';
import { UnfitValue, columnValue, declaredColumns, inferColumns, type JsonRecord, type ParquetColumn } from './parquet-schema.js';

const BASIC_TYPES: Record<ParquetColumnType, BasicType> = {
  string: 'STRING', int64: 'INT64', double: 'DOUBLE', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', json: 'JSON',
};

type Compressors = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['compressors']>;

let zstdCompressors: Promise<Compressors> | undefined;

/** The zstd compressor, its WebAssembly module loaded once per thread. */
function zstd(): Promise<Compressors> {
  zstdCompressors ??= import('@bokuweb/zstd-wasm').then(async ({ init, compress }) => {
    await init();
    return { ZSTD: (input: Uint8Array) => compress(input, 3) };
  });
  return zstdCompressors;
}

/** A record the Parquet writer refuses, permanently. */
function badRecord(batch: Batch, i: number, problem: string, cause?: unknown): EmitError {
  return new EmitError(`Parquet: record ${sequenceNumberAt(batch, i)} of ${batch.shardId} ${problem}`,
    { retriable: false, permanent: true, code: 'RECORD_INVALID', cause });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The batch's records, each parsed from its line. */
export function parseRecords(batch: Batch): JsonRecord[] {
  const records = new Array<JsonRecord>(batch.count);
  for (let i = 0; i < batch.count; i++) {
    let end = batch.offsets[i + 1];
    if (end > batch.offsets[i] && batch.data[end - 1] === 0x0a) end--;
    let value: unknown;
    try {
      value = JSON.parse(decoder.decode(batch.data.subarray(batch.offsets[i], end)));
    } catch (err) {
      throw badRecord(batch, i, `is not a JSON object (${(err as Error).message})`, err);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw badRecord(batch, i, `is not a JSON object (got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`);
    }
    records[i] = value as JsonRecord;
  }
  return records;
}

function columnSource(batch: Batch, records: readonly JsonRecord[], column: ParquetColumn): ColumnSource {
  const data = new Array<unknown>(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    const value = columnValue(column.type, Object.hasOwn(record, column.name) ? record[column.name] : null);
    if (value instanceof UnfitValue) {
      throw badRecord(batch, i, `field ${JSON.stringify(column.name)} does not fit column type ${column.type}: `
        + `expected ${value.expected}, got ${JSON.stringify(record[column.name])?.slice(0, 80)}`);
    }
    data[i] = value;
  }
  return { name: column.name, type: BASIC_TYPES[column.type], data: data as ColumnSource['data'], nullable: true };
}

/**
 * The batch as a Parquet file. Rejects with a permanent `RECORD_INVALID` EmitError when a line is
 * not a JSON object or (with declared columns) a value does not fit its column's type.
 */
export async function batchToParquet(batch: Batch, options: ParquetOptions = {}): Promise<Uint8Array> {
  const records = parseRecords(batch);
  const columns = options.columns ? declaredColumns(options.columns) : inferColumns(records);
  if (columns.length === 0) {
    // A Parquet file without a column has no schema readers accept (the Rust reader refuses it).
    throw new EmitError(`Parquet: no record of ${batch.shardId} from ${batch.firstSeq} to ${batch.lastSeq} has a field, `
      + 'and a Parquet file needs a column: declare parquet.columns', { retriable: false, permanent: true, code: 'RECORD_INVALID' });
  }
  const columnData = columns.map((column) => columnSource(batch, records, column));
  const compression = options.compression ?? PARQUET_DEFAULTS.compression;
  const codec = compression === 'zstd' ? 'ZSTD' : compression === 'snappy' ? 'SNAPPY' : 'UNCOMPRESSED';
  const compressors = compression === 'zstd' ? await zstd() : undefined;
  return new Uint8Array(parquetWriteBuffer({ columnData, codec, ...(compressors ? { compressors } : {}), createdBy: 'kinesis-connectors' }));
}
