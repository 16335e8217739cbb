/** The `emitter` section: one of the emitters, each with the options its folder defines. */
import type { z } from 'zod';
import { discardEmitterSchema } from '../emitters/discard/discard-options.js';
import { fileEmitterSchema } from '../emitters/file/file-options.js';
import { kinesisEmitterSchema } from '../emitters/kinesis/kinesis-options.js';
import { postgresEmitterSchema } from '../emitters/postgres/postgres-options.js';
import { redshiftEmitterSchema } from '../emitters/redshift/redshift-basic-options.js';
import { redshiftManifestEmitterSchema } from '../emitters/redshift/redshift-manifest-options.js';
import { s3EmitterSchema } from '../emitters/s3/s3-options.js';
import { s3ManifestEmitterSchema } from '../emitters/s3/s3-manifest-options.js';
import { mustBeMessage } from './messages.js';
import { typedUnion } from './object-rules.js';
import type { OptionsContext } from './options-context.js';

/** The emitter types, in the order the documentation lists them. */
export const EMITTER_TYPES = ['s3', 's3-manifest', 'redshift', 'redshift-manifest', 'kinesis', 'postgres', 'file', 'discard'] as const;

export function emitterSchema(context: OptionsContext) {
  return typedUnion([
    s3EmitterSchema(context),
    s3ManifestEmitterSchema(context),
    redshiftEmitterSchema(context),
    redshiftManifestEmitterSchema(context),
    kinesisEmitterSchema(context),
    postgresEmitterSchema(context),
    fileEmitterSchema(context),
    discardEmitterSchema(),
  ], (value) => mustBeMessage(`one of ${EMITTER_TYPES.map((type) => `"${type}"`).join(', ')}`, value));
}

/** What a config file gives under `emitter`. */
export type EmitterConfig = z.input<ReturnType<typeof emitterSchema>>;
/** Emitter options after validation. */
export type ResolvedEmitterConfig = z.output<ReturnType<typeof emitterSchema>>;
