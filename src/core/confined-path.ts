/**
 * Paths and object keys built from parts that come from outside (shard ids, sequence numbers) stay
 * under the folder or key prefix they are meant for. Every file the project writes is named with
 * {@link confinedPath}; every object key with {@link confinedKey}. The check is lexical: the parts
 * cannot climb out; a symbolic link the operator put inside the folder is the operator's business.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { ConnectorError, showValue } from './errors.js';

/** The code of the errors thrown here: never retriable, another attempt builds the same path. */
export const PATH_ESCAPE = 'PATH_ESCAPE';

/**
 * `parts` resolved under `root`; throws a non-retriable ConnectorError (code `PATH_ESCAPE`) naming
 * the path when the result is not strictly inside `root` (`..` climbing out, an absolute part, a
 * part that resolves to `root` itself) or a part holds a NUL.
 */
export function confinedPath(root: string, ...parts: string[]): string {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  const rel = relative(base, path);
  if (parts.some((p) => p.includes('\0')) || rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel)) {
    throw new ConnectorError(`refusing the path ${showValue(parts.join('/'))}: it resolves to ${showValue(path)}, outside the folder ${showValue(base)}`,
      { code: PATH_ESCAPE, retriable: false });
  }
  return path;
}

/** One key segment: non-empty, no `/`, `\` or NUL, not `.` or `..`. */
export function isKeySegment(value: string): boolean {
  return value !== '' && value !== '.' && value !== '..' && !value.includes('/') && !value.includes('\\') && !value.includes('\0');
}

/**
 * `prefix` followed by `segments` joined with `/`. The prefix is a relative key prefix (no leading
 * `/`, no `..`); each segment one key segment ({@link isKeySegment}). Otherwise throws a
 * non-retriable ConnectorError (code `PATH_ESCAPE`) naming the key.
 */
export function confinedKey(prefix: string, ...segments: string[]): string {
  const key = prefix + segments.join('/');
  const badPrefix = prefix.startsWith('/') || prefix.split('/').some((s) => s === '..' || s === '.') || prefix.includes('\0');
  const bad = segments.find((s) => !isKeySegment(s));
  if (badPrefix || bad !== undefined) {
    const why = badPrefix ? `its prefix ${showValue(prefix)} is not a relative key prefix` : `its part ${showValue(bad)} is not one key segment`;
    throw new ConnectorError(`refusing the object key ${showValue(key)}: ${why}`, { code: PATH_ESCAPE, retriable: false });
  }
  return key;
}
