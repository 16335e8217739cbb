/**
 * The checks of the options the Redshift emitters' constructors take, with the rules the config
 * file applies to the same values (table names, authorization, format, the S3 target).
 */
import { show } from '../../config/messages.js';
import { isTableName } from '../../config/rules.js';
import { ConfigError } from '../../core/errors.js';
import { checkS3Target, type S3TargetOptions } from '../s3/s3-target-options.js';
import {
  copyLiteralMessage, iamRoleMessage, isCopyLiteral, isIamRoleArn, isJsonPathsUrl, isRedshiftDelimiter, redshiftFormatKind,
} from './redshift-rules.js';

/** A table or column name: see `isTableName`. */
export function checkName(path: string, value: unknown): void {
  if (!isTableName(value)) throw new ConfigError(path, `must be a non-empty table or column name, got ${show(value)}`);
}

function checkLiteral(path: string, value: unknown, secret: boolean): void {
  if (!isCopyLiteral(value)) throw new ConfigError(path, copyLiteralMessage(value, secret));
}

function checkAuthorization(authorization: unknown): void {
  const auth = authorization as Record<string, unknown> | null | undefined;
  if (auth !== null && typeof auth === 'object' && 'iamRole' in auth && !('accessKeyId' in auth) && !('secretAccessKey' in auth)) {
    checkLiteral('authorization.iamRole', auth.iamRole, false);
    if (!isIamRoleArn(auth.iamRole)) throw new ConfigError('authorization.iamRole', iamRoleMessage(auth.iamRole));
  } else if (auth !== null && typeof auth === 'object' && 'accessKeyId' in auth && 'secretAccessKey' in auth && !('iamRole' in auth)) {
    checkLiteral('authorization.accessKeyId', auth.accessKeyId, true);
    checkLiteral('authorization.secretAccessKey', auth.secretAccessKey, true);
  } else {
    throw new ConfigError('authorization', 'must be { iamRole } or { accessKeyId, secretAccessKey }');
  }
}

function checkFormat(format: unknown): void {
  const kind = format === undefined ? 'json-auto' : redshiftFormatKind(format);
  if (kind === undefined) throw new ConfigError('format', `must be "json-auto", { jsonPaths } or { delimiter }, got ${show(format)}`);
  if (kind === 'jsonPaths') {
    const { jsonPaths } = format as { jsonPaths: unknown };
    checkLiteral('format.jsonPaths', jsonPaths, false);
    if (!isJsonPathsUrl(jsonPaths)) throw new ConfigError('format.jsonPaths', `must be an s3:// URL, got ${show(jsonPaths)}`);
  } else if (kind === 'delimiter') {
    const { delimiter } = format as { delimiter: unknown };
    if (!isRedshiftDelimiter(delimiter)) throw new ConfigError('format.delimiter', `must be one character (not a backslash or newline), got ${show(delimiter)}`);
  }
}

/** Checks the options both Redshift emitters take. */
export function checkRedshiftOptions(options: {
  s3?: Partial<S3TargetOptions>; connectionString?: unknown; columns?: unknown;
  authorization?: unknown; format?: unknown; region?: unknown;
}): void {
  checkS3Target(options.s3);
  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    // Not shown: it may hold a password.
    throw new ConfigError('connectionString', `must be a non-empty string, got ${typeof options.connectionString === 'string' ? 'an empty string' : typeof options.connectionString}`);
  }
  if (options.columns !== undefined) {
    if (!Array.isArray(options.columns) || options.columns.length === 0) throw new ConfigError('columns', `must be a non-empty array of column names, got ${show(options.columns)}`);
    options.columns.forEach((c, i) => checkName(`columns[${i}]`, c));
  }
  checkAuthorization(options.authorization);
  checkFormat(options.format);
  if (options.region !== undefined) checkLiteral('region', options.region, false);
}
