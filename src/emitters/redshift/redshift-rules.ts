/**
 * Redshift's rules for the COPY authorization and data format, checked alike by the config file
 * (`redshift-options.ts`) and by the emitters' constructors (`check-redshift-options.ts`).
 */
import { show } from '../../config/messages.js';

/** A value COPY takes as a quoted literal: non-empty, without a backslash or NUL (see `quoteLiteral`). */
export function isCopyLiteral(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !value.includes('\\') && !value.includes('\0');
}

/** The message for a value that is not {@link isCopyLiteral}; a secret's value is never shown. */
export function copyLiteralMessage(value: unknown, secret: boolean): string {
  const shown = secret ? (typeof value === 'string' ? 'a string that is empty or has a backslash or NUL' : typeof value) : show(value);
  return `must be a non-empty string without backslashes, got ${shown}`;
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/** An IAM role ARN, such as `arn:aws:iam::123456789012:role/redshift-copy`. */
export function isIamRoleArn(value: unknown): value is string {
  return typeof value === 'string' && IAM_ROLE_ARN.test(value);
}

export function iamRoleMessage(value: unknown): string {
  return `must be an IAM role ARN such as "arn:aws:iam::123456789012:role/redshift-copy", got ${show(value)}`;
}

/** The S3 URL of a jsonpaths file: `s3://bucket/key`, a COPY literal. */
export function isJsonPathsUrl(value: unknown): value is string {
  return isCopyLiteral(value) && /^s3:\/\/[^/]+\/.+/.test(value);
}

/** A field delimiter: one character, not a backslash, NUL or newline. */
export function isRedshiftDelimiter(value: unknown): value is string {
  return typeof value === 'string' && [...value].length === 1 && value !== '\\' && value !== '\0' && value !== '\n';
}

/**
 * Which format a value names: `'json-auto'`, or an object with exactly one of `jsonPaths` and
 * `delimiter`; undefined for anything else.
 */
export function redshiftFormatKind(format: unknown): 'json-auto' | 'jsonPaths' | 'delimiter' | undefined {
  if (format === 'json-auto') return 'json-auto';
  if (format === null || typeof format !== 'object' || Array.isArray(format)) return undefined;
  const keys = Object.keys(format);
  return keys.length === 1 && (keys[0] === 'jsonPaths' || keys[0] === 'delimiter') ? keys[0] : undefined;
}
