/**
 * Reads a config file: JSON, or a JS module whose default export is the config object or a promise
 * of it. A module that throws (or whose promise rejects) is reported by the error's name and
 * message, with any URL in it shown redacted: the config usually holds credentials.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import type { PipelineOptions } from './config.js';
import { redactUrls } from './url-rules.js';

/** A thrown value as `Name: message`, URLs redacted; never the stack or the rest of the error. */
function describeThrown(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return redactUrls(text);
}

export async function loadConfigFile(file: string): Promise<{ options: PipelineOptions; baseDir: string }> {
  const path = resolve(file);
  const baseDir = dirname(path);
  if (/\.(c|m)?js$/.test(path)) {
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(path).href) as { default?: unknown };
    } catch (err) {
      throw new ConfigError(path, `could not be loaded: ${describeThrown(err)}`);
    }
    let options: unknown;
    try {
      options = await mod.default;
    } catch (err) {
      throw new ConfigError(path, `default-exports a promise that rejected: ${describeThrown(err)}`);
    }
    if (options === undefined) throw new ConfigError(path, 'must default-export the config object');
    return { options: options as PipelineOptions, baseDir };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, `could not be read: ${(err as Error).message}`);
  }
  try {
    return { options: JSON.parse(text) as PipelineOptions, baseDir };
  } catch (err) {
    // Only the position: the parser's message quotes the text around it, which may hold a secret.
    const at = /position (\d+)/.exec((err as Error).message);
    const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
    throw new ConfigError(path, `is not valid JSON${where}`);
  }
}
