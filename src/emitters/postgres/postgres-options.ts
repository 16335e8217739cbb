/**
 * The `postgres` emitter's config-file options, and the rules of its column mapping, which the
 * emitter's constructor checks too.
 */
import { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import { show, tableNameMessage } from '../../config/messages.js';
import { judgedWhole } from '../../config/object-rules.js';
import type { OptionsContext } from '../../config/options-context.js';
import { tableName } from '../../config/rules.js';
import { POSTGRES_PROTOCOLS, urlOrEnv } from '../../config/url-rules.js';

/** The two key columns every target table has; they are filled from the batch, never from the record. */
export const KEY_COLUMNS = ['shard_id', 'sequence_number'] as const;

/** A JSON field name, or a dotted path into nested objects: no empty part. */
export function isFieldPath(value: unknown): value is string {
  return typeof value === 'string' && value.split('.').every((part) => part !== '');
}

/**
 * The first entry of a column mapping that breaks a rule: the column it is about (none when the
 * column's name itself is wrong) and the message. A column is a plain name (no dots, no NUL) and
 * not a key column; its field is a JSON field name or dotted path.
 */
export function columnMappingProblem(columns: Record<string, unknown>): { column?: string; message: string } | undefined {
  for (const [column, field] of Object.entries(columns)) {
    if (column.length === 0 || column.includes('.') || column.includes('\0')) {
      return { message: `keys must be plain column names (no dots), got ${show(column)}` };
    }
    if ((KEY_COLUMNS as readonly string[]).includes(column)) {
      return { column, message: 'is filled from the batch (source shard and sequence number) and cannot be mapped' };
    }
    if (!isFieldPath(field)) return { column, message: `must be a JSON field name or dotted path such as "user.id", got ${show(field)}` };
  }
  return undefined;
}

/** Target column → JSON field of each record, as the config file gives it. */
const columnMapping = judgedWhole(
  z.record(z.string(), z.string().min(1)).refine((columns) => Object.keys(columns).length > 0),
  (value) => `must map column names to JSON field names, such as {"user_id": "user.id"}, got ${show(value)}`,
).superRefine((columns, ctx) => {
  const problem = columnMappingProblem(columns);
  if (problem) ctx.addIssue({ code: 'custom', path: problem.column === undefined ? [] : [problem.column], message: problem.message, input: columns });
});

export function postgresEmitterSchema(context: OptionsContext) {
  return emitterVariant('postgres', {
    /** Target column → JSON field (dotted paths allowed) of each record. @defaultValue the whole record in `data` */
    columns: columnMapping.optional(),
    /** `postgres://user:pass@host:port/db`. @defaultValue $DATABASE_URL */
    url: urlOrEnv(POSTGRES_PROTOCOLS, context.env, 'DATABASE_URL', 'postgres://'),
    /** The target table, `schema.table` allowed. */
    table: tableName(tableNameMessage),
  }, ['url', 'table', 'columns']);
}

export type PostgresEmitterConfig = z.input<ReturnType<typeof postgresEmitterSchema>>;
export type ResolvedPostgresEmitterConfig = z.output<ReturnType<typeof postgresEmitterSchema>>;
