// Reads a Parquet file back with a reader independent of the writer (parquet-wasm, the Rust
// parquet crate compiled to WebAssembly, through apache-arrow): rows as plain objects, int64 as
// bigint, timestamps as milliseconds, and the schema's field types.
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm/node';

export interface ParquetContents {
  rows: Array<Record<string, unknown>>;
  /** Column name → Arrow type, such as "Utf8", "Int64", "Float64", "Bool", "Timestamp<MILLISECOND>". */
  types: Record<string, string>;
}

export function readParquetFile(bytes: Uint8Array): ParquetContents {
  const table = tableFromIPC(readParquet(bytes).intoIPCStream());
  const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
  const rows = table.toArray().map((row: { toJSON(): Record<string, unknown> }) => ({ ...row.toJSON() }));
  return { rows, types };
}
