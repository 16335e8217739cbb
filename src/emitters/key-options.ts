/**
 * The key options of the `s3` and `file` emitters as their constructors take them, checked there,
 * and the rules the config file's schema (`config/key-template-options.ts`) shares. Free of zod,
 * which the emitter threads do not load.
 */
import { ConfigError } from '../core/errors.js';
import { mustBeMessage, show, stringMessage } from '../config/messages.js';
import { DEFAULT_KEY_TEMPLATE, KeyTemplateProblem, parseKeyTemplate, type KeyTemplate } from './key-template.js';
import { DEFAULT_KEY_FIELD_DEFAULT, isKeyFieldDefault } from './key-value.js';

/** Why `template` is refused (the text after the option's name), or undefined when it is good. */
export function keyTemplateProblem(template: unknown): string | undefined {
  if (typeof template !== 'string') return stringMessage(template);
  try {
    parseKeyTemplate(template);
    return undefined;
  } catch (err) {
    if (err instanceof KeyTemplateProblem) return `${err.message}, got ${show(template)}`;
    throw err;
  }
}

export const KEY_FIELD_DEFAULT_RULE = '1-100 of letters, digits and . _ - (not "." or "..")';

export interface KeyTemplateOptions {
  /**
   * The template of object keys under the prefix (see the README's "Object keys"); a template with
   * `{field:…}` or `{arrival:…}` writes a batch with partitions as one object per partition.
   * @defaultValue '{arrival:yyyy}/{arrival:MM}/{arrival:dd}/{shardId}/{firstSeq}-{lastSeq}'
   */
  key?: string;
  /** The value of a `{field:…}` that is missing, empty or not a scalar. @defaultValue '_unknown' */
  keyFieldDefault?: string;
}

/** The parsed template and field default; throws a ConfigError naming `key` or `keyFieldDefault`. */
export function resolveKeyOptions(options: KeyTemplateOptions, path = ''): { template: KeyTemplate; fieldDefault: string } {
  const source = options.key ?? DEFAULT_KEY_TEMPLATE;
  const problem = keyTemplateProblem(source);
  if (problem !== undefined) throw new ConfigError(`${path}key`, problem);
  const fieldDefault = options.keyFieldDefault ?? DEFAULT_KEY_FIELD_DEFAULT;
  if (!isKeyFieldDefault(fieldDefault)) throw new ConfigError(`${path}keyFieldDefault`, mustBeMessage(KEY_FIELD_DEFAULT_RULE, fieldDefault));
  return { template: parseKeyTemplate(source), fieldDefault };
}
