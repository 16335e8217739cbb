/**
 * The Redshift emitters' connection pool: statements and transactions on the cluster, every failure
 * wrapped in an EmitError naming what failed, with the COPY credentials redacted.
 */
import pg from 'pg';
import { EmitError, describeError, isRetriable } from '../../core/errors.js';
import type { RedshiftAuthorization } from './redshift-options.js';
import { checkSqlTarget, type TableCheck } from '../check-sql-target.js';

/** How long to wait for a connection before failing (retriably). */
export const REDSHIFT_CONNECT_TIMEOUT_MS = 10_000;

/** Runs statements on a pool of connections, wrapping every failure in an EmitError with secrets redacted. */
export class RedshiftSql {
  private readonly pool: pg.Pool;
  private readonly secrets: string[];
  private closing?: Promise<void>;

  constructor(private readonly connectionString: string, authorization: RedshiftAuthorization) {
    this.secrets = Object.values(authorization).filter((v): v is string => typeof v === 'string' && v.length > 0);
    this.pool = new pg.Pool({ connectionString, connectionTimeoutMillis: REDSHIFT_CONNECT_TIMEOUT_MS });
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

  /** The start-up check: the connection works and `tables` have their columns (see {@link checkSqlTarget}). */
  check(sink: string, tables: TableCheck[]): Promise<void> {
    return checkSqlTarget(sink, this.pool, this.connectionString, tables, (text) => this.redact(text));
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
