/**
 * RedshiftBasicEmitter: stores each batch in S3 (with {@link S3Emitter}, at its deterministic key) and
 * loads that object into a Redshift table with `COPY ... FROM 's3://...'`.
 *
 * This module also holds what the Redshift emitters share: the COPY statement (built with quoted
 * identifiers and literals, and a copy of it with the authorization redacted) and the connection
 * pool with error wrapping. Their options' types and rules are in `redshift-options.ts`,
 * `redshift-rules.ts` and `check-redshift-options.ts`.
 */
import type { Batch } from '../../core/batch.js';
import type { Emitter } from '../emitter.js';
import { S3Emitter } from '../s3/s3-emitter.js';
import type { S3TargetOptions } from '../s3/s3-target-options.js';
import { quoteIdent, quoteLiteral } from '../sql.js';
import { checkName, checkRedshiftOptions } from './check-redshift-options.js';
import { REDSHIFT_CONNECT_TIMEOUT_MS, RedshiftSql } from './redshift-sql.js';
import type { RedshiftAuthorization, RedshiftFormat } from './redshift-options.js';
import { checkS3Target } from '../s3/check-s3-target.js';

export interface RedshiftBasicEmitterOptions {
  /** Where each batch is stored before it is loaded; the emitter owns the client and destroys it on close. */
  s3: S3TargetOptions;
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
  connectTimeoutMs: REDSHIFT_CONNECT_TIMEOUT_MS,
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

  /**
   * The staging bucket is reachable and writable (as for `s3`), the connection works, the table
   * (with `columns`, when set) and the file table exist.
   */
  async check(): Promise<void> {
    const o = this.options;
    await checkS3Target('emitter redshift', { ...o.s3, prefix: o.s3.prefix ?? REDSHIFT_DEFAULTS.prefix });
    await this.sql.check('emitter redshift', [
      { setting: 'emitter.table', table: o.table, columns: o.columns ? [{ setting: 'emitter.columns', names: o.columns }] : [] },
      ...(o.fileTable === undefined ? [] : [{ setting: 'emitter.fileTable', table: o.fileTable, columns: [{ setting: 'the file column', names: ['file'] }] }]),
    ]);
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
