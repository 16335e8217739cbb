/** Kinesis sequence numbers: decimal strings of up to 128 digits, compared numerically. */

/** The checkpoint value of a shard that has been read to its end (compatible with the original). */
export const SHARD_END = 'SHARD_END';

/** A sequence number as Kinesis' API defines it: `0|([1-9]\d{0,128})`. */
export function isSequenceNumber(value: unknown): value is string {
  return typeof value === 'string' && /^(0|[1-9]\d{0,128})$/.test(value);
}

/** Numeric comparison of two sequence numbers; `SHARD_END` sorts after every number. */
export function compareSequence(a: string, b: string): number {
  if (a === b) return 0;
  if (a === SHARD_END) return 1;
  if (b === SHARD_END) return -1;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : 1;
}
