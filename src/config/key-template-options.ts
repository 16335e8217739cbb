/**
 * `emitter.key` and `emitter.keyFieldDefault` of the `s3` and `file` emitters: the template of
 * object keys (see `emitters/key-template.ts`) and the value of a missing record field in it.
 */
import { z } from 'zod';
import { DEFAULT_KEY_TEMPLATE, KeyTemplateProblem, parseKeyTemplate } from '../emitters/key-template.js';
import { DEFAULT_KEY_FIELD_DEFAULT, isKeyFieldDefault } from '../emitters/key-value.js';
import { mustBeMessage, show, stringMessage } from './messages.js';
import { says } from './rules.js';

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

export function keyTemplateShape() {
  return {
    /**
     * Template of the object keys under `prefix`: literals (letters, digits, / _ . = -) and
     * {shardId}, {firstSeq}, {lastSeq}, {arrival:<format>}, {field:<dot.path>}; must hold
     * {shardId} and {firstSeq}. @defaultValue '{arrival:yyyy}/{arrival:MM}/{arrival:dd}/{shardId}/{firstSeq}-{lastSeq}'
     */
    key: z.string(says(stringMessage)).superRefine((template, ctx) => {
      const problem = keyTemplateProblem(template);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: template });
    }).default(DEFAULT_KEY_TEMPLATE),
    /** The value of a `{field:…}` that is missing, empty or not a scalar. @defaultValue '_unknown' */
    keyFieldDefault: z.string(says(stringMessage)).refine(isKeyFieldDefault, says((value) => mustBeMessage(KEY_FIELD_DEFAULT_RULE, value)))
      .default(DEFAULT_KEY_FIELD_DEFAULT),
  };
}

export const KEY_TEMPLATE_OPTIONS = ['key', 'keyFieldDefault'];
