/**
 * Pipeline configuration: the typed options, their defaults and the up-front validation. Every
 * validation message names the option's path and the value it got.
 *
 * The schema is composed in `schema.ts` from the top-level sections (`sections.ts`) and each
 * emitter's options (`src/emitters/<emitter>/*-options.ts`); this module is its public face.
 */
export { DEFAULTS } from './defaults.js';
export { resolveConfig, type ResolveContext } from './resolve-config.js';
export type { PipelineOptions, ResolvedConfig } from './schema.js';
export type { EmitterConfig, ResolvedEmitterConfig } from './emitter-schema.js';
export { redactUrl } from './url-rules.js';
export type { S3EmitterConfig } from '../emitters/s3/s3-options.js';
export type { S3ManifestEmitterConfig } from '../emitters/s3/s3-manifest-options.js';
export type { S3TargetConfig } from '../emitters/s3/s3-target-options.js';
export type { RedshiftEmitterConfig } from '../emitters/redshift/redshift-basic-options.js';
export type { RedshiftManifestEmitterConfig } from '../emitters/redshift/redshift-manifest-options.js';
export type { KinesisEmitterConfig } from '../emitters/kinesis/kinesis-options.js';
export type { PostgresEmitterConfig } from '../emitters/postgres/postgres-options.js';
export type { FileEmitterConfig } from '../emitters/file/file-options.js';
export type { DiscardEmitterConfig } from '../emitters/discard/discard-options.js';

import type { PipelineOptions, ResolvedConfig } from './schema.js';

/** Where a shard without a checkpoint starts: `'TRIM_HORIZON'`, `'LATEST'` or an ISO timestamp. */
export type StartPosition = ResolvedConfig['startPosition'];
/** Where records come from. */
export type SourceConfig = NonNullable<PipelineOptions['source']>;
