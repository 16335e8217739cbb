/**
 * Quoting for SQL sent to PostgreSQL and Redshift. Identifiers from configuration are always
 * double-quoted; values that cannot be bind parameters (Redshift COPY's S3 URL and authorization)
 * are single-quoted literals. Nothing from config or data is spliced into SQL unquoted.
 */

/** `"name"`, or `"schema"."name"` for a dotted name; embedded double quotes are doubled. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('an SQL identifier must not be empty');
  if (name.includes('\0')) throw new TypeError('an SQL identifier must not contain NUL');
  return name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}

/**
 * `'value'` with embedded single quotes doubled. Backslashes are refused: PostgreSQL (with
 * standard-conforming strings) and Redshift read them differently, and no S3 URL, role ARN or key
 * this is used for contains one.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0') || value.includes('\\')) throw new TypeError(`an SQL literal must not contain NUL or a backslash`);
  return `'${value.replace(/'/g, "''")}'`;
}
