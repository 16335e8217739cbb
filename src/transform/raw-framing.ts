/**
 * How records are written when there is no transform module (`transform.rawFraming`). Outputs are
 * joined with "\n" into one object per batch, so a raw record holding a newline would read back as
 * two records; the framing makes every record exactly one line that can be turned back into it:
 *
 * - `"lines"` (the default): a record that is valid UTF-8, holds no "\n" or "\r" and does not begin
 *   with `base64:` is written as it is; any other record is written as `base64:` followed by its
 *   bytes in base64. A reader takes a line beginning with `base64:` as base64, any other as is.
 * - `"base64"`: every record in base64 (standard alphabet, padded), one per line.
 *
 * The framing applies to the emitters that store a batch as lines of one object or file
 * ({@link LINE_EMITTERS}); the others store each record on its own and get its bytes as they are.
 */
import { isUtf8 } from 'node:buffer';

export const RAW_FRAMINGS = ['lines', 'base64'] as const;
export type RawFraming = (typeof RAW_FRAMINGS)[number];

/** The mark of a line that holds a record in base64 under `"lines"` framing. */
export const BASE64_MARK = 'base64:';
const MARK = Buffer.from(BASE64_MARK, 'latin1');

/** The emitter types that store a batch as the lines of one object (or file, or COPY input). */
export const LINE_EMITTERS: readonly string[] = ['file', 's3', 's3-manifest', 'redshift'];

/** True when a raw record cannot be written as one line as it is under `"lines"` framing. */
export function needsBase64(data: Uint8Array): boolean {
  return data.includes(0x0a) || data.includes(0x0d) || !isUtf8(data) ||
    (data.byteLength >= MARK.byteLength && MARK.every((b, i) => data[i] === b));
}

/** The line (without its "\n") that stands for a raw record. */
export function frameRaw(data: Buffer, framing: RawFraming): Buffer | string {
  if (framing === 'base64') return data.toString('base64');
  return needsBase64(data) ? BASE64_MARK + data.toString('base64') : data;
}

/** The records of an object written with `framing`: the inverse of {@link frameRaw} over its lines. */
export function unframeRaw(object: Uint8Array, framing: RawFraming): Buffer[] {
  const text = Buffer.from(object.buffer, object.byteOffset, object.byteLength);
  const records: Buffer[] = [];
  for (let start = 0; start < text.byteLength;) {
    let end = text.indexOf(0x0a, start);
    if (end === -1) end = text.byteLength;
    const line = text.subarray(start, end);
    if (framing === 'base64') records.push(Buffer.from(line.toString('latin1'), 'base64'));
    else if (line.subarray(0, MARK.byteLength).equals(MARK)) records.push(Buffer.from(line.subarray(MARK.byteLength).toString('latin1'), 'base64'));
    else records.push(Buffer.from(line));
    start = end + 1;
  }
  return records;
}
