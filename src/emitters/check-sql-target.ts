/**
 * The start-up check of the PostgreSQL and Redshift emitters: the connection works (the URL, its
 * password), and each table and the columns the emitter writes exist. Each table is read with
 * `SELECT … LIMIT 0`, which resolves names exactly as the emitter's statements do (search path,
 * quoting) on PostgreSQL, on Redshift and through the local Redshift stand-in.
 */
import type pg from 'pg';
import { redactUrl } from '../config/url-rules.js';
import { SinkCheckError } from '../core/errors.js';
import { quoteIdent } from './sql.js';

export interface TableCheck {
  /** The setting that names the table, such as `emitter.table`. */
  setting: string;
  table: string;
  /** Columns the emitter writes, each group with the setting it comes from. */
  columns?: Array<{ setting: string; names: string[] }>;
}

/**
 * Connects through `pool` and reads each table; rejects with a SinkCheckError naming `sink`, the
 * setting (the URL shown without its password) and the database's error (its SQLSTATE and message).
 */
export async function checkSqlTarget(sink: string, pool: pg.Pool, url: string, tables: TableCheck[],
  redact: (text: string) => string = (text) => text): Promise<void> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new SinkCheckError(sink, `emitter.url ${JSON.stringify(redactUrl(url))}`, 'connecting', scrub(err, redact));
  }
  try {
    for (const t of tables) {
      const table = quoteIdent(t.table);
      const named = `${t.setting} ${JSON.stringify(t.table)}`;
      try {
        await client.query(`SELECT * FROM ${table} LIMIT 0`);
      } catch (err) {
        throw new SinkCheckError(sink, named, 'reading the table', scrub(err, redact));
      }
      for (const columns of t.columns ?? []) {
        try {
          await client.query(`SELECT ${columns.names.map(quoteIdent).join(', ')} FROM ${table} LIMIT 0`);
        } catch (err) {
          throw new SinkCheckError(sink, `${columns.setting} ${JSON.stringify(columns.names)} of ${named}`, 'selecting the columns', scrub(err, redact));
        }
      }
    }
  } finally {
    client.release();
  }
}

/** The error with its message passed through `redact` (a COPY credential never reaches these, but a URL might). */
function scrub(err: unknown, redact: (text: string) => string): unknown {
  if (err instanceof Error) err.message = redact(err.message);
  return err;
}
