/**
 * From zod's issues to the one ConfigError a bad config throws: the first bad option, by its path.
 *
 * zod reports an object's options in the order of its schema, each with everything inside it, and
 * the object's unknown keys and rules across its options after them. The first issue is taken in
 * that order, except that an object's unknown key comes before anything inside that object (a
 * misspelt key is the likelier cause, and the outermost such key first), and so does a rule across
 * options that says it outranks them.
 */
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';

type Issue = z.core.$ZodIssue;

function isPrefix(prefix: readonly PropertyKey[], path: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((key, i) => key === path[i]);
}

/**
 * Whether `issue` is reported before `first`: an object's unknown key comes before anything inside
 * the object, and a rule across options (custom issue with `params.outranks`, the sibling keys it
 * concerns) before anything inside those options.
 */
function outranks(issue: Issue, first: Issue): boolean {
  if (issue.code === 'unrecognized_keys') return isPrefix(issue.path, first.path);
  const keys = issue.code === 'custom' ? (issue.params as { outranks?: unknown } | undefined)?.outranks : undefined;
  if (!Array.isArray(keys)) return false;
  const parent = issue.path.slice(0, -1);
  return keys.some((key: PropertyKey) => isPrefix([...parent, key], first.path));
}

/** The issue reported: see the module comment. Of several that outrank the first, the outermost. */
export function firstIssue(issues: readonly Issue[]): Issue {
  const first = issues[0];
  let chosen = first;
  for (const issue of issues) {
    if (issue !== first && outranks(issue, first) && (chosen === first || issue.path.length < chosen.path.length)) chosen = issue;
  }
  return chosen;
}

/** `emitter.columns[0]`; an empty path is the config itself. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  return out === '' ? 'config' : out;
}

/** The path an issue is reported under: the unknown key itself, or an environment variable's name. */
export function issuePath(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') return formatPath([...issue.path, issue.keys[0]]);
  const configPath = issue.code === 'custom' ? (issue.params as { configPath?: unknown } | undefined)?.configPath : undefined;
  return typeof configPath === 'string' ? configPath : formatPath(issue.path);
}

/** The ConfigError for a failed parse. */
export function configErrorOf(error: z.ZodError): ConfigError {
  const issue = firstIssue(error.issues);
  return new ConfigError(issuePath(issue), issue.message);
}
