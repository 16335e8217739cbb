/**
 * URL options: the protocols each takes, the fallback to an environment variable, and the
 * redaction that keeps a password out of every message that shows a URL.
 */
import { z } from 'zod';
import { nonEmptyStringMessage, notUrlMessage, protocolMessage } from './messages.js';
import { isNonEmptyString, text } from './rules.js';

export const HTTP_PROTOCOLS = ['http:', 'https:'] as const;
export const REDIS_PROTOCOLS = ['redis:', 'rediss:'] as const;
export const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'] as const;

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Unparseable: hide everything between "://" and the last "@" (user and password alike).
    const at = value.lastIndexOf('@');
    const scheme = value.indexOf('://');
    if (at < 0) return value;
    return `${scheme >= 0 && scheme < at ? value.slice(0, scheme + 3) : ''}***${value.slice(at)}`;
  }
}

/** `text` with every URL-like part (`scheme://...`) shown redacted, as by {@link redactUrl}. */
export function redactUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi, (found) => redactUrl(found));
}

/** Why `value` is not a URL with one of `protocols` (the URL shown redacted), or undefined. */
export function urlProblem(value: unknown, protocols: readonly string[]): string | undefined {
  if (!isNonEmptyString(value)) return nonEmptyStringMessage(value);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return notUrlMessage(redactUrl(value), protocols);
  }
  return protocols.includes(parsed.protocol) ? undefined : protocolMessage(redactUrl(value), protocols);
}

/** A URL with one of `protocols`. */
export function url(protocols: readonly string[]) {
  return text().superRefine((value, ctx) => {
    const problem = urlProblem(value, protocols);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/**
 * The URL in the environment variable `name`, or undefined when it is unset or empty. A bad one is
 * an issue reported under the variable's name; `at` places it among the options (its path, and
 * the sibling options it is reported before: see `config-error.ts`).
 */
export function urlFromEnv(env: Record<string, string | undefined>, name: string, protocols: readonly string[],
  ctx: z.core.$RefinementCtx, at: { path?: string[]; outranks?: string[] } = {}): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  const problem = urlProblem(value, protocols);
  if (problem === undefined) return value;
  ctx.addIssue({ code: 'custom', message: problem, input: value, path: at.path, params: { configPath: name, outranks: at.outranks } });
  return undefined;
}

/**
 * A URL option that falls back to the environment variable `name`; with neither, the option is
 * reported missing: `must be a <what> URL (or set <name>), got undefined`.
 */
export function urlOrEnv(protocols: readonly string[], env: Record<string, string | undefined>, name: string, what: string) {
  return url(protocols).optional().transform((value, ctx): string => {
    if (value !== undefined) return value;
    const fallback = urlFromEnv(env, name, protocols, ctx);
    if (fallback !== undefined) return fallback;
    if (!env[name]) ctx.addIssue({ code: 'custom', message: `must be a ${what} URL (or set ${name}), got undefined`, input: value });
    return z.NEVER;
  });
}
