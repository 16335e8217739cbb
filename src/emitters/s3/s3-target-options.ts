/**
 * Where an emitter puts objects in S3 (`s3`, `s3-manifest`, and the staging area of `redshift*`):
 * the config-file options, how they resolve, and the check of the same fields given to an
 * emitter's constructor.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { z } from 'zod';
import { keyPrefixMessage, mustBeMessage, nonEmptyStringMessage, show, flagMessage, stringMessage } from '../../config/messages.js';
import { awsRegion, type OptionsContext } from '../../config/options-context.js';
import { flag, isKeyPrefix, keyPrefix, says, text } from '../../config/rules.js';
import { HTTP_PROTOCOLS, url } from '../../config/url-rules.js';
import { ConfigError } from '../../core/errors.js';

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The S3 target options of the config file, in the order they are checked. */
export function s3TargetShape(context: OptionsContext) {
  return {
    /** The bucket objects (or manifest files) go to. */
    bucket: text().refine((name) => BUCKET_NAME.test(name), says((value) => mustBeMessage('an S3 bucket name (3-63 of a-z 0-9 . -)', value))),
    /** An S3-compatible endpoint, such as a local server. @defaultValue AWS */
    endpoint: url(HTTP_PROTOCOLS).optional(),
    /** Key prefix, such as "clicks/". @defaultValue '' */
    prefix: keyPrefix().default(''),
    /** Gzip each object and append ".gz" to its key; for Redshift, the loaded files are gzip. @defaultValue false */
    gzip: flag().default(false),
    /** @defaultValue $AWS_REGION, else 'us-east-1' */
    region: text().default(awsRegion(context)),
    /** @defaultValue true when `endpoint` is set, else false */
    forcePathStyle: flag().optional(),
  };
}

/** The S3 target options in the order they are documented. */
export const S3_TARGET_OPTIONS = ['bucket', 'prefix', 'gzip', 'region', 'endpoint', 'forcePathStyle'];

/** The S3 target options as a config file gives them. */
export type S3TargetConfig = z.input<z.ZodObject<ReturnType<typeof s3TargetShape>>>;

/** Fills in `forcePathStyle`: path-style addressing when an endpoint is given. */
export function resolveS3Target<T extends { endpoint?: string; forcePathStyle?: boolean }>(options: T): T & { forcePathStyle: boolean } {
  return { ...options, forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined };
}

/** An emitter's S3 target: the client, and the bucket, prefix and gzip of {@link s3TargetShape}. */
export interface S3TargetOptions extends Pick<S3TargetConfig, 'bucket' | 'prefix' | 'gzip'> {
  /** The emitter owns the client and destroys it on close. */
  client: S3Client;
}

/** Checks an emitter's `s3` option (its bucket need only be non-empty: a name is the service's to judge). */
export function checkS3Target(s3: Partial<S3TargetOptions> | null | undefined, path = 's3'): void {
  if (s3 === null || typeof s3 !== 'object') throw new ConfigError(path, `must be an object { client, bucket, prefix?, gzip? }, got ${show(s3)}`);
  if (s3.client === null || typeof s3.client !== 'object' || typeof (s3.client as { send?: unknown }).send !== 'function') {
    throw new ConfigError(`${path}.client`, 'must be an S3Client');
  }
  if (typeof s3.bucket !== 'string' || s3.bucket === '') throw new ConfigError(`${path}.bucket`, nonEmptyStringMessage(s3.bucket));
  if (s3.prefix !== undefined && typeof s3.prefix !== 'string') throw new ConfigError(`${path}.prefix`, stringMessage(s3.prefix));
  if (s3.prefix !== undefined && !isKeyPrefix(s3.prefix)) throw new ConfigError(`${path}.prefix`, keyPrefixMessage(s3.prefix));
  if (s3.gzip !== undefined && typeof s3.gzip !== 'boolean') throw new ConfigError(`${path}.gzip`, flagMessage(s3.gzip));
}
