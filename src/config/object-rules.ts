/**
 * Rules for option objects: a section takes only the options it names, a union of sections told
 * apart by `type` says which types there are, and a value judged as a whole gets one message.
 */
import { z } from 'zod';
import { objectMessage, unknownOptionMessage } from './messages.js';
import type { Message } from './rules.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

type ErrorMap = (issue: { code?: string; input?: unknown }) => string;

/** The options each section lists as known, by the error map that lists them (it survives zod's clones). */
const LISTED = new WeakMap<ErrorMap, readonly string[]>();

/**
 * An object of the options in `shape` and no others. zod checks the options in the order of
 * `shape`. An unknown key is reported before anything inside the object (see `config-error.ts`),
 * with the known options in the order of `listed`, which leaves out keys that are accepted but
 * are not options.
 */
export function section<const S extends z.core.$ZodLooseShape>(shape: S, listed: readonly string[] = Object.keys(shape)) {
  const error: ErrorMap = (issue) => (issue.code === 'unrecognized_keys' ? unknownOptionMessage(listed) : objectMessage(issue.input));
  LISTED.set(error, listed);
  return z.strictObject(shape, { error });
}

/** A rule across a section's options runs even when some of them are bad (but not when the section is). */
export const EVEN_WITH_BAD_OPTIONS = { when: (payload: { value: unknown }) => isObject(payload.value) };

/** A section, or a section followed by how it resolves. */
type Variant = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

function listedOf(variant: Variant): readonly string[] {
  const object = variant instanceof z.ZodPipe ? variant.in : variant;
  return LISTED.get(object.def.error as ErrorMap) ?? Object.keys(object.shape);
}

/**
 * One of `variants`, chosen by their `type`. A key that no variant knows is reported first,
 * listing every variant's options; then an unknown `type`, shown with `typeRule`; then the chosen
 * variant's own unknown keys and options.
 */
export function typedUnion<const V extends readonly [Variant, ...Variant[]]>(variants: V, typeRule: Message) {
  const known = [...new Set(variants.flatMap(listedOf))];
  const union = z.discriminatedUnion('type', variants, {
    // A value that is not an object at all is an `invalid_type` issue (zod's types list only the other).
    error: (issue) => ((issue.code as string) === 'invalid_type' ? objectMessage(issue.input) : typeRule((issue.input as { type?: unknown }).type)),
  });
  return z.preprocess<unknown, typeof union, z.input<typeof union>>((value, ctx) => {
    const stranger = isObject(value) ? Object.keys(value).find((key) => !known.includes(key)) : undefined;
    if (stranger !== undefined) ctx.addIssue({ code: 'custom', path: [stranger], message: unknownOptionMessage(known), input: value });
    return value;
  }, union);
}

/**
 * `schema`, with any problem anywhere in the value reported as the one `message` about the whole
 * value (for lists and small unions, whose parts have no useful names of their own).
 */
export function judgedWhole<const T extends z.ZodType>(schema: T, message: Message) {
  return z.preprocess<unknown, T, z.input<T>>((value, ctx) => {
    if (!schema.safeParse(value).success) ctx.addIssue({ code: 'custom', message: message(value), input: value });
    return value;
  }, schema);
}
