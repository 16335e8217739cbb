/**
 * RedshiftBasicEmitter: stores each batch in S3 (with {@link S3Emitter}, at its deterministic key) and
 * loads that object into a Redshift table with `COPY ... FROM 's3://...'`.
 *
 * This module also holds what the Redshift emitters share: the options' types, the COPY statement
 * (built with quoted identifiers and literals, and a copy of it with the authorization redacted),
 * the connection pool with error wrapping, and the option checks.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import type { Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';
import { ConfigError, EmitError, describeError, isRetriable, showValue as show } from '../../core/errors.js';
import { S3Emitter } from '../s3/s3-emitter.js';
import { quoteIdent, quoteLiteral } from '../sql.js';

/** How Redshift reads S3: an IAM role attached to the cluster, or an access key pair. */
export type RedshiftAuthorization = { iamRole: string } | { accessKeyId: string; secretAccessKey: string };

/**
 * The data format of the loaded files: `'json-auto'` (one JSON object per line, keys matched to
 * column names), `{ jsonPaths }` (the S3 URL of a jsonpaths file mapping JSON paths to the columns
 * in order) or `{ delimiter }` (one character between fields).
 */
export type RedshiftFormat = 'json-auto' | { jsonPaths: string } | { delimiter: string };

export interface RedshiftS3Options {
  client: S3Client;
  bucket: string;
  /** Key prefix, such as "clicks/". @defaultValue '' */
  prefix?: string;
  /** The loaded files are gzip-compressed (COPY ... GZIP). @defaultValue false */
  gzip?: boolean;
}

export interface RedshiftBasicEmitterOptions {
  /** Where each batch is stored before it is loaded; the emitter owns the client and destroys it on close. */
  s3: RedshiftS3Options;
  /** PostgreSQL-protocol connection string of the cluster, such as `postgres://user:pw@host:5439/db`. */
  connectionString: string;
  /** The table rows are loaded into; `schema.table` is allowed. */
  table: string;
  /** The columns COPY fills, in the order of the data. @defaultValue every column of the table */
  columns?: string[];
  authorization: RedshiftAuthorization;
  /** @defaultValue 'json-auto' */
  format?: RedshiftFormat;
  /**
   * A table with one column `file` (see {@link createFileTableSql}) recording the S3 URLs already
   * loaded. When set, each load runs in one transaction that locks this table, skips the COPY if the
   * URL is recorded and otherwise records it and runs the COPY, so a re-emitted batch loads once.
   * @defaultValue none: every emit runs the COPY
   */
  fileTable?: string;
  /** The AWS region of the bucket, when it differs from the cluster's (COPY ... REGION). @defaultValue the cluster's */
  region?: string;
}

export const REDSHIFT_DEFAULTS = {
  format: 'json-auto' as RedshiftFormat,
  prefix: '',
  gzip: false,
  /** How long to wait for a connection before failing (retriably). */
  connectTimeoutMs: 10_000,
};

/**
 * The DDL of a file table: one column `file` (varchar, primary key) holding the S3 URL of each file
 * loaded. Redshift does not enforce the key; the emitters lock the table while they check and insert.
 */
export function createFileTableSql(fileTable: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(fileTable)} (${quoteIdent('file')} VARCHAR(2048) NOT NULL PRIMARY KEY)`;
}

export interface CopyStatement {
  sql: string;
  /** The same statement with the authorization replaced by `<redacted>`: safe for messages and logs. */
  redacted: string;
}

/** `COPY <table> [(cols)] FROM '<url>' <authorization> [MANIFEST] <format> [GZIP] [REGION '<r>']`. */
export function copyStatement(options: {
  table: string; columns?: string[]; from: string; authorization: RedshiftAuthorization;
  manifest: boolean; format: RedshiftFormat; gzip: boolean; region?: string;
}): CopyStatement {
  const { table, columns, from, authorization, format } = options;
  const head = `COPY ${quoteIdent(table)}${columns ? ` (${columns.map(quoteIdent).join(', ')})` : ''} FROM ${quoteLiteral(from)}`;
  const auth = 'iamRole' in authorization
    ? `IAM_ROLE ${quoteLiteral(authorization.iamRole)}`
    : `ACCESS_KEY_ID ${quoteLiteral(authorization.accessKeyId)} SECRET_ACCESS_KEY ${quoteLiteral(authorization.secretAccessKey)}`;
  const formatClause = format === 'json-auto' ? `JSON 'auto'`
    : 'jsonPaths' in format ? `JSON ${quoteLiteral(format.jsonPaths)}`
      : `DELIMITER ${quoteLiteral(format.delimiter)}`;
  const tail = [options.manifest ? 'MANIFEST' : '', formatClause, options.gzip ? 'GZIP' : '',
    options.region ? `REGION ${quoteLiteral(options.region)}` : ''].filter(Boolean).join(' ');
  return { sql: `${head} ${auth} ${tail}`, redacted: `${head} <redacted> ${tail}` };
}

/** Runs statements on a pool of connections, wrapping every failure in an EmitError with secrets redacted. */
export class RedshiftSql {
  private readonly pool: pg.Pool;
  private readonly secrets: string[];
  private closing?: Promise<void>;

  constructor(connectionString: string, authorization: RedshiftAuthorization) {
    this.secrets = Object.values(authorization).filter((v): v is string => typeof v === 'string' && v.length > 0);
    this.pool = new pg.Pool({ connectionString, connectionTimeoutMillis: REDSHIFT_DEFAULTS.connectTimeoutMs });
    // An idle connection that breaks is dropped by the pool; the next statement opens a new one and
    // reports any failure to its caller.
    this.pool.on('error', () => {});
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('<redacted>');
    return out;
  }

  /** An EmitError `<what> failed <step>: <cause>`, with no credential in it or in its cause. */
  error(what: string, step: string, err: unknown): EmitError {
    if (err instanceof EmitError) return err;
    if (err instanceof Error) {
      err.message = this.redact(err.message);
      if (err.stack) err.stack = this.redact(err.stack);
    }
    return new EmitError(this.redact(`${what} failed ${step}: ${describeError(err)}`), { retriable: isRetriable(err), cause: err });
  }

  /** One statement outside a transaction. */
  async run(what: string, step: string, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(sql, values);
    } catch (err) {
      throw this.error(what, step, err);
    }
  }

  /**
   * Runs `body` between BEGIN and COMMIT on one connection; any failure rolls back. `query` wraps
   * its statement's failure as `<what> failed <step>`.
   */
  async transaction<T>(what: string, body: (query: (step: string, sql: string, values?: unknown[]) => Promise<pg.QueryResult>) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.error(what, 'connecting', err);
    }
    const query = async (step: string, sql: string, values?: unknown[]) => {
      try {
        return await client.query(sql, values);
      } catch (err) {
        throw this.error(what, step, err);
      }
    };
    let broken: Error | undefined;
    try {
      await query('starting a transaction', 'BEGIN');
      const result = await body(query);
      await query('committing', 'COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error; // the connection is closed rather than returned to the pool
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

// ---------------------------------------------------------------------------------------------
// Option checks shared by the Redshift emitters.


export function checkName(path: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0')) {
    throw new ConfigError(path, `must be a non-empty table or column name, got ${show(value)}`);
  }
}

function checkLiteral(path: string, value: unknown, secret: boolean): void {
  const shown = secret ? (typeof value === 'string' ? 'a string that is empty or has a backslash or NUL' : typeof value) : show(value);
  if (typeof value !== 'string' || value === '' || value.includes('\\') || value.includes('\0')) {
    throw new ConfigError(path, `must be a non-empty string without backslashes, got ${shown}`);
  }
}

/** Checks the options both Redshift emitters take. */
export function checkRedshiftOptions(options: {
  s3?: Partial<RedshiftS3Options>; connectionString?: unknown; columns?: unknown;
  authorization?: unknown; format?: unknown; region?: unknown;
}): void {
  const s3 = options.s3;
  if (s3 === null || typeof s3 !== 'object') throw new ConfigError('s3', `must be an object { client, bucket, prefix?, gzip? }, got ${show(s3)}`);
  if (s3.client === null || typeof s3.client !== 'object' || typeof (s3.client as { send?: unknown }).send !== 'function') {
    throw new ConfigError('s3.client', 'must be an S3Client');
  }
  if (typeof s3.bucket !== 'string' || s3.bucket === '') throw new ConfigError('s3.bucket', `must be a non-empty string, got ${show(s3.bucket)}`);
  if (s3.prefix !== undefined && typeof s3.prefix !== 'string') throw new ConfigError('s3.prefix', `must be a string, got ${show(s3.prefix)}`);
  if (s3.gzip !== undefined && typeof s3.gzip !== 'boolean') throw new ConfigError('s3.gzip', `must be true or false, got ${show(s3.gzip)}`);
  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    // Not shown: it may hold a password.
    throw new ConfigError('connectionString', `must be a non-empty string, got ${typeof options.connectionString === 'string' ? 'an empty string' : typeof options.connectionString}`);
  }
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) throw new ConfigError('columns', `must be a non-empty array of column names, got ${show(options.columns)}`);
    options.columns.forEach((c, i) => checkName(`columns[${i}]`, c));
  }
  const auth = options.authorization as Record<string, unknown> | null | undefined;
  if (auth !== null && typeof auth === 'object' && 'iamRole' in auth && !('accessKeyId' in auth) && !('secretAccessKey' in auth)) {
    checkLiteral('authorization.iamRole', auth.iamRole, false);
  } else if (auth !== null && typeof auth === 'object' && 'accessKeyId' in auth && 'secretAccessKey' in auth && !('iamRole' in auth)) {
    checkLiteral('authorization.accessKeyId', auth.accessKeyId, true);
    checkLiteral('authorization.secretAccessKey', auth.secretAccessKey, true);
  } else {
    throw new ConfigError('authorization', 'must be { iamRole } or { accessKeyId, secretAccessKey }');
  }
  const format = options.format as Record<string, unknown> | string | null | undefined;
  if (format === undefined || format === 'json-auto') {
    // the default
  } else if (format !== null && typeof format === 'object' && 'jsonPaths' in format) {
    checkLiteral('format.jsonPaths', format.jsonPaths, false);
    if (!String(format.jsonPaths).startsWith('s3://')) throw new ConfigError('format.jsonPaths', `must be an s3:// URL, got ${show(format.jsonPaths)}`);
  } else if (format !== null && typeof format === 'object' && 'delimiter' in format) {
    const d = format.delimiter;
    if (typeof d !== 'string' || [...d].length !== 1 || d === '\\' || d === '\0' || d === '\n') {
      throw new ConfigError('format.delimiter', `must be one character (not a backslash or newline), got ${show(d)}`);
    }
  } else {
    throw new ConfigError('format', `must be "json-auto", { jsonPaths } or { delimiter }, got ${show(format)}`);
  }
  if (options.region !== undefined) checkLiteral('region', options.region, false);
}

// ---------------------------------------------------------------------------------------------

/**
 * Stores each batch in S3 and loads it with `COPY <table> [(columns)] FROM '<object URL>'
 * <authorization> <format> [GZIP] [REGION]`. Without `fileTable` a re-emitted batch is loaded again
 * (at least once); with it, once. Failures are EmitErrors naming the table and the object, with the
 * authorization redacted; connection failures are retriable, SQL errors are not.
 */
export class RedshiftBasicEmitter implements Emitter {
  private readonly s3: S3Emitter;
  private readonly sql: RedshiftSql;

  constructor(private readonly options: RedshiftBasicEmitterOptions) {
    checkRedshiftOptions(options);
    checkName('table', options.table);
    if (options.fileTable !== undefined) checkName('fileTable', options.fileTable);
    this.s3 = new S3Emitter({ client: options.s3.client, bucket: options.s3.bucket, prefix: options.s3.prefix ?? REDSHIFT_DEFAULTS.prefix,
      gzip: options.s3.gzip ?? REDSHIFT_DEFAULTS.gzip });
    this.sql = new RedshiftSql(options.connectionString, options.authorization);
  }

  async emit(batch: Batch): Promise<{ location: string }> {
    const { location } = await this.s3.emit(batch);
    const o = this.options;
    const copy = copyStatement({
      table: o.table, columns: o.columns, from: location, authorization: o.authorization, manifest: false,
      format: o.format ?? REDSHIFT_DEFAULTS.format, gzip: o.s3.gzip ?? REDSHIFT_DEFAULTS.gzip, region: o.region,
    });
    const what = `Redshift load into table ${quoteIdent(o.table)} from ${location}`;
    const copyStep = `running ${copy.redacted}`;
    if (o.fileTable === undefined) {
      await this.sql.run(what, copyStep, copy.sql);
      return { location };
    }
    const files = quoteIdent(o.fileTable);
    const file = quoteIdent('file');
    await this.sql.transaction(what, async (query) => {
      await query(`locking file table ${files}`, `LOCK TABLE ${files}`);
      const seen = await query(`checking file table ${files}`, `SELECT 1 FROM ${files} WHERE ${file} = $1`, [location]);
      if (seen.rows.length > 0) return;
      await query(`recording the file in ${files}`, `INSERT INTO ${files} (${file}) VALUES ($1)`, [location]);
      await query(copyStep, copy.sql);
    });
    return { location };
  }

  /** Ends the connection pool and destroys the S3 client. */
  async close(): Promise<void> {
    try {
      await this.sql.close();
    } finally {
      await this.s3.close();
    }
  }
}
