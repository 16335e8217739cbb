/**
 * The texts of option messages. A message follows the option's path (see ConfigError) and names
 * the rule and the value it got; the rules in `rules.ts` and the emitters' option checks use these
 * so that one rule reads the same wherever it is checked.
 */
import { showValue as show } from '../core/errors.js';

export { show };

export function nonEmptyStringMessage(value: unknown): string {
  return `must be a non-empty string, got ${show(value)}`;
}

export function stringMessage(value: unknown): string {
  return `must be a string, got ${show(value)}`;
}

export function flagMessage(value: unknown): string {
  return `must be true or false, got ${show(value)}`;
}

export function objectMessage(value: unknown): string {
  return `must be an object, got ${show(value)}`;
}

/** `known` in the order the options are documented. */
export function unknownOptionMessage(known: readonly string[]): string {
  return `is not a known option (known: ${known.join(', ')})`;
}

/** An integer in [min, max]: "a positive integer", "a non-negative integer" or "an integer >= min". */
export function integerMessage(value: unknown, min: number, max: number): string {
  const what = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  return `must be ${what}${max < Number.MAX_SAFE_INTEGER ? ` no larger than ${max}` : ''}, got ${show(value)}`;
}

export function keyPrefixMessage(value: unknown): string {
  return `must be a relative key prefix such as "clicks/", got ${show(value)}`;
}

/** `shown` is the value as it may be shown (a URL with its password hidden). */
export function notUrlMessage(shown: string, protocols: readonly string[]): string {
  return `must be a URL (${protocols.join(' or ')}), got ${show(shown)}`;
}

export function protocolMessage(shown: string, protocols: readonly string[]): string {
  return `must use ${protocols.join(' or ')}, got ${show(shown)}`;
}

/** `rule` says what the value must be: `"sequence" or "source-shard"`, `one of debug, info`. */
export function mustBeMessage(rule: string, value: unknown): string {
  return `must be ${rule}, got ${show(value)}`;
}

/** A table option of the config file (see `isTableName`). */
export function tableNameMessage(value: unknown): string {
  return `must be a table name such as "events" or "analytics.events", got ${show(value)}`;
}
