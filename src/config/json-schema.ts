/**
 * The config file's JSON Schema, for editors (`"$schema": ".../config.schema.json"`): the schema of
 * what a user writes, with the defaults of an environment that sets nothing. Rules that JSON Schema
 * cannot say (such as a URL's protocol) are checked only when the config is resolved.
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema({ baseDir: '.', env: {} }), { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return { ...schema, title: 'kinesis-connectors config' };
}
