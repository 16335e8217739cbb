/** The `redshift` emitter's config-file options: each batch stored in S3, then loaded with COPY. */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import { tableNameMessage } from '../../config/messages.js';
import type { OptionsContext } from '../../config/options-context.js';
import { tableName } from '../../config/rules.js';
import { S3_TARGET_OPTIONS, resolveS3Target, s3TargetShape } from '../s3/s3-target-options.js';
import { REDSHIFT_OPTIONS, authorizationRule, redshiftShape, resolveAuthorization } from './redshift-options.js';

export function redshiftEmitterSchema(context: OptionsContext) {
  return emitterVariant('redshift', {
    ...s3TargetShape(context),
    ...redshiftShape(context),
    /** The table rows are loaded into; `schema.table` is allowed. */
    table: tableName(tableNameMessage),
    /** When set, each S3 file is recorded here in the COPY's transaction and never loaded twice. */
    fileTable: tableName(tableNameMessage).optional(),
  }, [...S3_TARGET_OPTIONS, ...REDSHIFT_OPTIONS, 'table', 'fileTable']).check(authorizationRule).transform((options, ctx) => resolveAuthorization(resolveS3Target(options), ctx));
}

export type RedshiftEmitterConfig = z.input<ReturnType<typeof redshiftEmitterSchema>>;
export type ResolvedRedshiftEmitterConfig = z.output<ReturnType<typeof redshiftEmitterSchema>>;
