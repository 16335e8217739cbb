/**
 * PostgresEmitter: loads each batch into a PostgreSQL table in one transaction, keyed by source
 * shard and sequence number, so a re-emitted batch changes nothing.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { sequenceNumberAt, type Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { isTableName } from '../../config/rules.js';
import { quoteIdent } from '../sql.js';
import { KEY_COLUMNS, columnMappingProblem } from './postgres-options.js';
import { checkSqlTarget } from '../check-sql-target.js';

export interface PostgresEmitterOptions {
  /** A libpq-style URL, such as `postgres://user@host:5432/db`. */
  connectionString: string;
  /**
   * The target table, optionally schema-qualified (`"analytics.clicks"`). It must have the columns
   * `shard_id` (text) and `sequence_number` (text; numeric only for streams without KPL
   * aggregates, as it holds `S.3` and `S.30`, two user records of one aggregate, equal) with a
   * primary key or unique constraint on exactly `(shard_id, sequence_number)`; `createTableSql`
   * suggests one.
   */
  table: string;
  /**
   * Target column → field of the record's JSON object; a dotted path reaches into nested objects
   * (`{ user_id: 'user.id' }`). Strings are stored as they are, numbers and booleans as their text,
   * objects and arrays as JSON text, and a missing field (or JSON null) as NULL; PostgreSQL converts
   * the text to each column's type. Without `columns` the whole record goes into a `data` column
   * (jsonb).
   * @defaultValue undefined
   */
  columns?: Record<string, string>;
  /** Connections in the pool (concurrent emits). @defaultValue 4 */
  maxConnections?: number;
  /** Give up connecting after this long. @defaultValue 10000 */
  connectTimeoutMs?: number;
}

export const POSTGRES_EMITTER_DEFAULTS = { maxConnections: 4, connectTimeoutMs: 10_000 };

/** The per-transaction staging table (a temporary table lives in its own session's schema). */
const STAGING = 'kinesis_connectors_staging';
/** The COPY line in an error's context (which can also hold other lines, such as a JSON parser's). */
const COPY_LINE = new RegExp(`\\bCOPY ${STAGING}, line (\\d+)`);
/** Rows per chunk written to the COPY stream. */
const ROWS_PER_CHUNK = 500;

/**
 * Suggested DDL for a target table: the two key columns with their primary key, then either one
 * `text` column per mapped column (adjust the types to your data) or a `data jsonb` column.
 */
export function createTableSql(table: string, columns?: Record<string, string>): string {
  const names = columns ? Object.keys(columns) : ['data'];
  const type = columns ? 'text' : 'jsonb NOT NULL';
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (`,
    `  ${quoteIdent('shard_id')} text NOT NULL,`,
    // text, not numeric: the user records of a KPL aggregate are `S.0` .. `S.n`, and numeric holds `S.3` = `S.30`.
    `  ${quoteIdent('sequence_number')} text NOT NULL,`,
    ...names.map((name) => `  ${quoteIdent(name)} ${type},`),
    `  PRIMARY KEY (${KEY_COLUMNS.map(quoteIdent).join(', ')})`,
    ');',
  ].join('\n');
}

/**
 * Each emit runs, in one transaction on one pooled connection:
 * 1. `CREATE TEMP TABLE … ON COMMIT DROP AS SELECT <columns> FROM <table> WITH NO DATA`, a staging
 *    table with the target's column types (and none of its constraints);
 * 2. `COPY <staging> (<columns>) FROM STDIN (FORMAT csv)` with one row per record;
 * 3. `INSERT INTO <table> (<columns>) SELECT <columns> FROM <staging>
 *    ON CONFLICT (shard_id, sequence_number) DO NOTHING`;
 * 4. `COMMIT`, after which the rows are durable.
 * A failure anywhere rolls the whole batch back; a row already stored by an earlier emit of the
 * same records is left as it is.
 */
export class PostgresEmitter implements Emitter {
  private readonly pool: pg.Pool;
  private readonly table: string;
  /** Target columns filled from each record, and the path of the field each one takes. */
  private readonly mapped: Array<{ column: string; path: string[] }> | undefined;
  private readonly columnList: string;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: PostgresEmitterOptions) {
    if (typeof options.connectionString !== 'string' || options.connectionString.length === 0) {
      throw new ConfigError('connectionString', `must be a non-empty PostgreSQL URL, got ${show(options.connectionString)}`);
    }
    if (!isTableName(options.table)) {
      throw new ConfigError('table', `must be a table name, optionally schema-qualified ("schema.table"), got ${show(options.table)}`);
    }
    this.table = quoteIdent(options.table);
    this.mapped = options.columns === undefined ? undefined : validateColumns(options.columns);
    const columns = [...KEY_COLUMNS, ...(this.mapped ? this.mapped.map((m) => m.column) : ['data'])];
    this.columnList = columns.map((c) => quoteIdent(c)).join(', ');
    const maxConnections = options.maxConnections ?? POSTGRES_EMITTER_DEFAULTS.maxConnections;
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new ConfigError('maxConnections', `must be a positive integer, got ${show(options.maxConnections)}`);
    }
    const connectTimeoutMs = options.connectTimeoutMs ?? POSTGRES_EMITTER_DEFAULTS.connectTimeoutMs;
    if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
      throw new ConfigError('connectTimeoutMs', `must be a positive integer, got ${show(options.connectTimeoutMs)}`);
    }
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: maxConnections, connectionTimeoutMillis: connectTimeoutMs });
    // An idle connection that breaks is dropped by the pool; the next emit connects afresh and
    // reports its own failure, so there is nothing to do here beyond not crashing the process.
    this.pool.on('error', () => {});
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    const location = `postgres:${this.options.table}/${batch.shardId}/${batch.firstSeq}-${batch.lastSeq}`;
    // Rows are built (and every record checked) before the database is touched.
    const { chunks, rowEndLines } = this.csvChunks(batch);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.failure('connecting', err, batch, rowEndLines);
    }
    let discard: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`CREATE TEMP TABLE ${quoteIdent(STAGING)} ON COMMIT DROP AS SELECT ${this.columnList} FROM ${this.table} WITH NO DATA`);
      await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${quoteIdent(STAGING)} (${this.columnList}) FROM STDIN WITH (FORMAT csv)`)));
      await client.query(`INSERT INTO ${this.table} (${this.columnList}) SELECT ${this.columnList} FROM ${quoteIdent(STAGING)} `
        + `ON CONFLICT (${KEY_COLUMNS.map(quoteIdent).join(', ')}) DO NOTHING`);
      await client.query('COMMIT');
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        discard = rollbackErr as Error;
      }
      throw this.failure('loading a batch', err, batch, rowEndLines);
    } finally {
      // A connection whose rollback failed is in an unknown state: close it rather than reuse it.
      client.release(discard);
    }
    return { location };
  }

  /** The connection works, the table exists and has the key columns and the mapped (or `data`) columns. */
  check(): Promise<void> {
    const keys = { setting: 'the key columns', names: [...KEY_COLUMNS] };
    const values = this.mapped ? { setting: 'emitter.columns', names: this.mapped.map((m) => m.column) } : { setting: 'the record column', names: ['data'] };
    return checkSqlTarget('emitter postgres', this.pool, this.options.connectionString,
      [{ setting: 'emitter.table', table: this.options.table, columns: [keys, values] }]);
  }

  /** Ends the pool. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    this.closed ??= this.pool.end();
    return this.closed;
  }

  /**
   * The batch as CSV, a few hundred rows per string: key columns first, then the record's values.
   * `rowEndLines[i]` is the line (1-based, counting newlines inside quoted values as PostgreSQL
   * does) on which row i ends.
   */
  private csvChunks(batch: Batch): { chunks: string[]; rowEndLines: Uint32Array } {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const chunks: string[] = [];
    const rowEndLines = new Uint32Array(batch.count);
    let lines = 0;
    let rows: string[] = [];
    for (let i = 0; i < batch.count; i++) {
      const start = batch.offsets[i];
      let end = batch.offsets[i + 1];
      if (end > start && batch.data[end - 1] === 0x0a) end--;
      const seq = sequenceNumberAt(batch, i);
      let text: string;
      try {
        text = decoder.decode(batch.data.subarray(start, end));
      } catch (err) {
        throw new EmitError(`PostgreSQL emit to table ${this.options.table}: record ${seq} of ${batch.shardId} is not valid UTF-8`,
          { retriable: false, code: 'RECORD_INVALID', cause: err });
      }
      const values = this.mapped ? this.values(text, seq, batch.shardId) : [text];
      const row = [batch.shardId, seq, ...values].map(csvField).join(',') + '\n';
      lines += countNewlines(row);
      rowEndLines[i] = lines;
      rows.push(row);
      if (rows.length === ROWS_PER_CHUNK) {
        chunks.push(rows.join(''));
        rows = [];
      }
    }
    if (rows.length > 0) chunks.push(rows.join(''));
    return { chunks, rowEndLines };
  }

  private values(text: string, seq: string, shardId: string): Array<string | null> {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new EmitError(`PostgreSQL emit to table ${this.options.table}: record ${seq} of ${shardId} is not valid JSON (${(err as Error).message})`,
        { retriable: false, code: 'RECORD_INVALID', cause: err });
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new EmitError(`PostgreSQL emit to table ${this.options.table}: record ${seq} of ${shardId} is not a JSON object`,
        { retriable: false, code: 'RECORD_INVALID' });
    }
    return this.mapped!.map(({ path }) => toText(lookup(record, path)));
  }

  private failure(doing: string, err: unknown, batch: Batch, rowEndLines: Uint32Array): EmitError {
    const e = err as { where?: unknown };
    let row = '';
    // PostgreSQL reports which COPY line it could not take ("COPY <staging>, line 3, column n: …").
    const line = typeof e.where === 'string' ? COPY_LINE.exec(e.where) : null;
    if (line) {
      const i = rowAtLine(rowEndLines, Number(line[1]));
      if (i >= 0) row = ` (at record ${sequenceNumberAt(batch, i)} of ${batch.shardId})`;
    }
    // The error's detail is left out: it can quote a whole row of data.
    return new EmitError(`PostgreSQL emit to table ${this.options.table} failed while ${doing}${row}: ${describePgError(err)}`,
      { retriable: isRetriable(err), cause: err });
  }
}

function validateColumns(columns: Record<string, string>): Array<{ column: string; path: string[] }> {
  if (columns === null || typeof columns !== 'object' || Array.isArray(columns)) {
    throw new ConfigError('columns', `must be an object mapping column names to JSON fields, got ${show(columns)}`);
  }
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new ConfigError('columns', 'must map at least one column (or be left out to store whole records in "data")');
  const problem = columnMappingProblem(columns);
  if (problem) throw new ConfigError(problem.column === undefined ? 'columns' : `columns.${problem.column}`, problem.message);
  return entries.map(([column, field]) => ({ column, path: field.split('.') }));
}

function countNewlines(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/** The row that spans `line` (1-based), or -1: the first row that ends on or after it. */
function rowAtLine(rowEndLines: Uint32Array, line: number): number {
  if (!(line >= 1) || rowEndLines.length === 0 || line > rowEndLines[rowEndLines.length - 1]) return -1;
  let lo = 0;
  let hi = rowEndLines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rowEndLines[mid] >= line) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function lookup(record: unknown, path: string[]): unknown {
  let value = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function toText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A CSV field: NULL is an unquoted empty field; every value is quoted, so "" is an empty string. */
function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

/** PostgreSQL errors by their SQLSTATE; anything else as usual. */
function describePgError(err: unknown): string {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown };
  if (err instanceof Error && typeof e.severity === 'string' && typeof e.code === 'string') return `SQLSTATE ${e.code}: ${err.message}`;
  return describeError(err);
}
