/** The `file` emitter's config-file options: one file per batch under a folder. */
import type { z } from 'zod';
import { DEFAULTS } from '../../config/defaults.js';
import { emitterVariant } from '../../config/emitter-variant.js';
import type { OptionsContext } from '../../config/options-context.js';
import { flag, inFolder, keyPrefix, text } from '../../config/rules.js';
import { formatRule, outputFormatShape } from '../parquet/output-format-schema.js';
import { exactlyOnceShape } from '../../config/exactly-once.js';
import { keyTemplateShape } from '../../config/key-template-options.js';

export function fileEmitterSchema(context: OptionsContext) {
  return emitterVariant('file', {
    /** Folder the batch files go under, relative to the config file's. @defaultValue './output' */
    dir: text().default(DEFAULTS.emitter.dir).transform(inFolder(context.baseDir)),
    /** @defaultValue '' */
    prefix: keyPrefix().default(DEFAULTS.emitter.prefix),
    /** Gzip each file and append ".gz" to its name. @defaultValue false */
    gzip: flag().default(DEFAULTS.emitter.gzip),
    ...keyTemplateShape(),
    ...outputFormatShape(),
    ...exactlyOnceShape(),
  }).check(formatRule);
}

export type FileEmitterConfig = z.input<ReturnType<typeof fileEmitterSchema>>;
export type ResolvedFileEmitterConfig = z.output<ReturnType<typeof fileEmitterSchema>>;
