/** The `s3` emitter's config-file options: one object per batch in a bucket. */
import type { z } from 'zod';
import { emitterVariant } from '../../config/emitter-variant.js';
import type { OptionsContext } from '../../config/options-context.js';
import { OUTPUT_FORMAT_OPTIONS, formatRule, outputFormatShape } from '../parquet/output-format-schema.js';
import { exactlyOnceShape } from '../../config/exactly-once.js';
import { KEY_TEMPLATE_OPTIONS, keyTemplateShape } from '../../config/key-template-options.js';
import { S3_TARGET_OPTIONS, resolveS3Target, s3TargetShape } from './s3-target-options.js';

export function s3EmitterSchema(context: OptionsContext) {
  return emitterVariant('s3', { ...s3TargetShape(context), ...keyTemplateShape(), ...outputFormatShape(), ...exactlyOnceShape() },
    [...S3_TARGET_OPTIONS, ...KEY_TEMPLATE_OPTIONS, ...OUTPUT_FORMAT_OPTIONS, 'exactlyOnce'])
    .check(formatRule).transform(resolveS3Target);
}

export type S3EmitterConfig = z.input<ReturnType<typeof s3EmitterSchema>>;
export type ResolvedS3EmitterConfig = z.output<ReturnType<typeof s3EmitterSchema>>;
