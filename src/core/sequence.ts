/**
 * Kinesis sequence numbers: decimal strings of up to 129 digits, compared numerically. A user record
 * of a KPL aggregate (see `sources/kpl-aggregate.ts`) carries an *extended* sequence number,
 * `<sequenceNumber>.<subSequenceNumber>`: the Kinesis record's number and the user record's place in
 * it. Windows, batches, dead letters, object keys and checkpoints all carry that text, and every
 * comparison of it goes through {@link compareSequence}.
 */
import { ConnectorError, showValue } from './errors.js';

/** The checkpoint value of a shard that has been read to its end (compatible with the original). */
export const SHARD_END = 'SHARD_END';

/** A sequence number as Kinesis' API defines it: `0|([1-9]\d{0,128})`. */
export function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && /^(0|[1-9]\d{0,128})$/.test(value);
}

/**
 * A Kinesis sequence number, or one followed by `.` and a sub-sequence number of at most 9 digits
 * (`0|[1-9]\d{0,8}`: an aggregate of at most 1 MiB holds far fewer user records).
 */
export function isExtendedSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && /^(0|[1-9]\d{0,128})(\.(0|[1-9]\d{0,8}))?$/.test(value);
}

/** A valid checkpoint value: an extended sequence number or `SHARD_END`. */
export function isCheckpointValue(value: unknown): value is string {
  return value === SHARD_END || isExtendedSequenceNumber(value);
}

/** An extended sequence number split: the Kinesis record's number and the sub-sequence (null for a plain record). */
export interface SequenceParts {
  sequenceNumber: string;
  subSequenceNumber: number | null;
}

/** Splits an extended sequence number (see {@link isExtendedSequenceNumber}); no validation. */
export function splitSequence(value: string): SequenceParts {
  const dot = value.indexOf('.');
  return dot < 0 ? { sequenceNumber: value, subSequenceNumber: null } : { sequenceNumber: value.slice(0, dot), subSequenceNumber: Number(value.slice(dot + 1)) };
}

/** Two digit strings without leading zeros, compared numerically. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Numeric comparison of two extended sequence numbers: by the Kinesis sequence number first, then
 * by the sub-sequence number, a plain `S` before `S.0`; `SHARD_END` sorts after every number.
 */
export function compareSequence(a: string, b: string): number {
  if (a === b) return 0;
  if (a === SHARD_END) return 1;
  if (b === SHARD_END) return -1;
  const da = a.indexOf('.');
  const db = b.indexOf('.');
  if (da < 0 && db < 0) return compareDigits(a, b);
  const byNumber = compareDigits(da < 0 ? a : a.slice(0, da), db < 0 ? b : b.slice(0, db));
  if (byNumber !== 0) return byNumber;
  if (da < 0) return -1;
  if (db < 0) return 1;
  return compareDigits(a.slice(da + 1), b.slice(db + 1));
}

/**
 * `value` when it is a checkpoint value ({@link isCheckpointValue}); else throws a non-retriable
 * ConnectorError (`BAD_CHECKPOINT`) naming it and `where`, so no store ever holds one it cannot order.
 */
export function checkCheckpointValue(value: string, where: string): string {
  if (isCheckpointValue(value)) return value;
  throw new ConnectorError(`refusing to write the checkpoint ${showValue(value)} to ${where}: it is neither a sequence number `
    + '(optionally with a .<sub-sequence number>) nor SHARD_END', { code: 'BAD_CHECKPOINT', retriable: false });
}
