// The tables the example loads, created in a schema of the run's own so that nothing of the
// database's own is touched: the schema has a name no one else uses, and cleaning up drops exactly
// the two tables and the schema that were created.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from '../../src/emitters/sql.js';
import { createFileTableSql } from '../../src/emitters/redshift/redshift-basic-emitter.js';

/** The DDL of the example's tables: the data table (the columns of stage 1's output) and the file table. */
export function createTablesSql(dataTable: string, fileTable: string): string[] {
  return [
    `CREATE TABLE ${quoteIdent(dataTable)} (id varchar(64) NOT NULL, user_id varchar(64), url varchar(2048), ts bigint)`,
    createFileTableSql(fileTable),
  ];
}

/** A schema this run created and the example's tables in it (schema-qualified names). */
export interface ExampleTables {
  schema: string;
  dataTable: string;
  fileTable: string;
  /** Drops the two tables and then the schema (which fails, leaving it, if someone added to it). */
  drop: () => Promise<void>;
}

/**
 * Creates a new schema `kc_example_<random>` (CREATE SCHEMA fails rather than reuse an existing one)
 * and the example's tables in it.
 */
export async function createExampleTables(db: pg.Client): Promise<ExampleTables> {
  const schema = `kc_example_${randomBytes(6).toString('hex')}`;
  await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  const dataTable = `${schema}.clicks`;
  const fileTable = `${schema}.clicks_files`;
  const created: string[] = [];
  let dropping: Promise<void> | undefined;
  const drop = () => {
    dropping ??= (async () => {
      for (const table of created.reverse()) await db.query(`DROP TABLE ${quoteIdent(table)}`);
      await db.query(`DROP SCHEMA ${quoteIdent(schema)}`);
    })();
    return dropping;
  };
  try {
    const [data, files] = createTablesSql(dataTable, fileTable);
    await db.query(data);
    created.push(dataTable);
    await db.query(files);
    created.push(fileTable);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return { schema, dataTable, fileTable, drop };
}
