/**
 * `emitter.key` and `emitter.keyFieldDefault` of the `s3` and `file` emitters: the template of
 * object keys (see `emitters/key-template.ts`) and the value of a missing record field in it.
 */
import { z } from 'zod';
import { KEY_FIELD_DEFAULT_RULE, keyTemplateProblem } from '../emitters/key-options.js';
import { DEFAULT_KEY_TEMPLATE } from '../emitters/key-template.js';
import { DEFAULT_KEY_FIELD_DEFAULT, isKeyFieldDefault } from '../emitters/key-value.js';
import { mustBeMessage, stringMessage } from './messages.js';
import { says } from './rules.js';


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
