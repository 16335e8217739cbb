/**
 * The `redshift-manifest` emitter's config-file options: the second stage of the manifest
 * pipeline, whose input records are `s3://` URLs loaded with one COPY of a manifest per batch.
 */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import { tableNameMessage } from '../../config/messages.js';
import type { OptionsContext } from '../../config/options-context.js';
import { flag, tableName } from '../../config/rules.js';
import { S3_TARGET_OPTIONS, resolveS3Target, s3TargetShape } from '../s3/s3-target-options.js';
import { REDSHIFT_OPTIONS, authorizationRule, redshiftShape, resolveAuthorization } from './redshift-options.js';

export function redshiftManifestEmitterSchema(context: OptionsContext) {
  return emitterVariant('redshift-manifest', {
    ...s3TargetShape(context),
    ...redshiftShape(context),
    /** The table the files' rows are loaded into; `schema.table` is allowed. */
    dataTable: tableName(tableNameMessage),
    /** The table recording every file loaded, so that none is loaded twice. */
    fileTable: tableName(tableNameMessage),
    /** Whether each manifest entry is mandatory: a missing file then fails the COPY. @defaultValue true */
    copyMandatory: flag().default(true),
  }, [...S3_TARGET_OPTIONS, ...REDSHIFT_OPTIONS, 'dataTable', 'fileTable', 'copyMandatory']).check(authorizationRule).transform((options, ctx) => resolveAuthorization(resolveS3Target(options), ctx));
}

export type RedshiftManifestEmitterConfig = z.input<ReturnType<typeof redshiftManifestEmitterSchema>>;
export type ResolvedRedshiftManifestEmitterConfig = z.output<ReturnType<typeof redshiftManifestEmitterSchema>>;
