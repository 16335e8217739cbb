/**
 * What a record gives a key template: the value of a field of its output, encoded so that it is
 * one safe piece of a key segment, and its arrival time formatted in UTC. Values come from records
 * and are untrusted: an encoded value holds only `[A-Za-z0-9._-]` and `%XX`, and is never `.` or `..`.
 */

const SAFE_VALUE = /^[A-Za-z0-9._-]+$/;
const SAFE_BYTE = /[A-Za-z0-9._-]/;

/** The default of `emitter.keyFieldDefault`: a field that is missing, empty or not a scalar. */
export const DEFAULT_KEY_FIELD_DEFAULT = '_unknown';

/** A value `emitter.keyFieldDefault` may take: 1-100 of `[A-Za-z0-9._-]`, not `.` or `..`. */
export function isKeyFieldDefault(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 100 && SAFE_VALUE.test(value) && value !== '.' && value !== '..';
}

function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE_BYTE.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * A field's value as a piece of a key: strings, finite numbers and booleans as text, every byte
 * of the UTF-8 outside `[A-Za-z0-9._-]` as `%XX`, and `.` and `..` entirely as `%2E`; an empty or
 * missing value, null, an object or an array as `fallback`.
 */
export function encodeKeyValue(value: unknown, fallback: string): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') text = String(value);
  else return fallback;
  if (text === '') return fallback;
  if (text === '.' || text === '..') return text.replaceAll('.', '%2E');
  return SAFE_VALUE.test(text) ? text : percentEncode(text);
}

/** The value at a dotted path of a parsed record (undefined where the path leads nowhere). */
export function fieldValue(record: unknown, path: readonly string[]): unknown {
  let at = record;
  for (const key of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
