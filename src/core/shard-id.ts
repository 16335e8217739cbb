/**
 * The shard-id rule. Kinesis issues `shardId-` followed by 12 digits; its API allows 1-128 of
 * `[a-zA-Z0-9_.-]`. A shard id becomes part of file names and object keys (dead-letter files, batch
 * files, S3 keys), so an id from any source is checked against the API's rule before a shard is
 * started, and `.` and `..` (which would name a folder, not a file) are refused as well.
 */
import { ConnectorError, showValue } from './errors.js';

const SHARD_ID = /^[a-zA-Z0-9_.-]{1,128}$/;

/** The rule as messages state it. */
export const SHARD_ID_RULE = '1-128 of a-z A-Z 0-9 _ . - (not "." or "..")';

/** True for a string Kinesis' API accepts as a shard id, other than `.` and `..`. */
export function isShardId(value: unknown): value is string {
  return typeof value === 'string' && SHARD_ID.test(value) && value !== '.' && value !== '..';
}

/**
 * Throws a non-retriable ConnectorError (code `BAD_SHARD_ID`) naming the value when it is not a
 * shard id; `where` says who gave it ("ListShards of stream clicks"), `outcome` what follows.
 */
export function checkShardId(value: unknown, where: string, outcome: string): string {
  if (isShardId(value)) return value;
  throw new ConnectorError(`${where} gave the shard id ${showValue(value)}, which is not a shard id (${SHARD_ID_RULE}): ${outcome}`,
    { code: 'BAD_SHARD_ID', retriable: false });
}
