/**
 * `deadLetter.s3`: the S3 emitter's target options (same rules and messages) without `gzip`; the
 * dead-letter objects are plain NDJSON.
 */
import { section } from './object-rules.js';
import type { OptionsContext } from './options-context.js';
import { S3_TARGET_OPTIONS, s3TargetShape } from '../emitters/s3/s3-target-options.js';

export function deadLetterS3Section(context: OptionsContext) {
  const { gzip: _gzip, ...shape } = s3TargetShape(context);
  return section(shape, S3_TARGET_OPTIONS.filter((name) => name !== 'gzip'));
}
