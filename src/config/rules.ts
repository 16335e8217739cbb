/**
 * Rules for single option values, each written once: a predicate where an emitter's constructor
 * checks the same thing, and a zod schema with the message of the config file. Every schema here
 * shows the value it refused.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { STREAM_NAME_RULE, isStreamName } from '../aws/stream-name.js';
import {
  flagMessage, integerMessage, keyPrefixMessage, mustBeMessage, nonEmptyStringMessage,
} from './messages.js';

/** A message built from the refused value. */
export type Message = (value: unknown) => string;

/** zod's `error` option: the message for the value an issue is about. */
export function says(message: Message): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => message(issue.input) };
}

/** A string with something other than spaces in it. */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * A table (or column) name: any non-empty string without NUL, since it is always quoted; a dotted
 * name is schema-qualified, so no part of it may be empty (`"a..b"`, `".a"` are refused).
 */
export function isTableName(value: unknown): value is string {
  return isNonEmptyString(value) && !value.includes('\0') && value.split('.').every((part) => part !== '');
}

/** An S3 key (or file name) prefix: relative, and never climbing out with "..". */
export function isKeyPrefix(value: unknown): value is string {
  return typeof value === 'string' && !value.startsWith('/') && !value.includes('..');
}

/** `path` resolved from `baseDir` unless it is absolute. */
export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** A string with something other than spaces in it. */
export function text() {
  const error = says(nonEmptyStringMessage);
  return z.string(error).min(1, error).refine(isNonEmptyString, error);
}

/**
 * An integer in [min, max]. (Not zod's `.int()`: its refusal stops the rules across a section's
 * options that must run even when an option is bad; the JSON Schema still says "integer".)
 */
export function integer(min = 1, max = Number.MAX_SAFE_INTEGER) {
  const error = says((value) => integerMessage(value, min, max));
  return z.number(error).refine(Number.isInteger, error).min(min, error).max(max, error).meta({ type: 'integer' });
}

/** `true` or `false`. */
export function flag() {
  return z.boolean(says(flagMessage));
}

/** One of `values`; `rule` names them in the message (`one of debug, info`, `"a" or "b"`). */
export function oneOf<const T extends readonly string[]>(values: T, rule: string) {
  return z.enum(values, says((value) => (isNonEmptyString(value) ? mustBeMessage(rule, value) : nonEmptyStringMessage(value))));
}

export function streamName() {
  return text().refine(isStreamName, says((value) => mustBeMessage(STREAM_NAME_RULE, value)));
}

/** See {@link isKeyPrefix}. */
export function keyPrefix() {
  const error = says(keyPrefixMessage);
  return z.string(error).refine(isKeyPrefix, error);
}

/** See {@link isTableName}; `message` is the config file's wording. */
export function tableName(message: Message) {
  return text().refine(isTableName, says(message));
}

/** Resolves a path option from `baseDir` (the config file's folder): `text().transform(inFolder(dir))`. */
export function inFolder(baseDir: string): (path: string) => string {
  return (path) => resolvePath(baseDir, path);
}
