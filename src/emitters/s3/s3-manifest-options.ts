/**
 * The `s3-manifest` emitter's config-file options: the first stage of the manifest pipeline, an S3
 * upload, then the object's URL onto `manifestStream`.
 */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import type { OptionsContext } from '../../config/options-context.js';
import { streamName } from '../../config/rules.js';
import { S3_TARGET_OPTIONS, resolveS3Target, s3TargetShape } from './s3-target-options.js';

export function s3ManifestEmitterSchema(context: OptionsContext) {
  return emitterVariant('s3-manifest', {
    ...s3TargetShape(context),
    /** Kinesis stream the `s3://` URLs go to (same region and endpoint as `kinesis`). */
    manifestStream: streamName(),
  }, [...S3_TARGET_OPTIONS, 'manifestStream']).transform(resolveS3Target);
}

export type S3ManifestEmitterConfig = z.input<ReturnType<typeof s3ManifestEmitterSchema>>;
export type ResolvedS3ManifestEmitterConfig = z.output<ReturnType<typeof s3ManifestEmitterSchema>>;
