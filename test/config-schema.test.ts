// The config file's JSON Schema: generated from the same schema resolveConfig uses, written to
// dist/config.schema.json by the build, and in agreement with what resolveConfig accepts.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { resolveConfig } from '../src/config/config.js';
import { EMITTER_TYPES } from '../src/config/emitter-schema.js';
import { configJsonSchema } from '../src/config/json-schema.js';
import { checkJsonSchema } from './helpers/json-schema-check.js';

type Schema = Record<string, unknown> & { properties: Record<string, Schema>; oneOf?: Schema[] };

const schema = configJsonSchema() as Schema;
const base = { app: 'clicks-to-s3', stream: 'clicks' };
const context = { baseDir: '/srv/app', env: {} };

/** The options resolveConfig knows where `key` is refused, as its message lists them. */
function knownBeside(config: Record<string, unknown>, key: string): string[] {
  try {
    resolveConfig(config, context);
  } catch (err) {
    const match = /^(\S+) is not a known option \(known: (.*)\)$/.exec((err as Error).message);
    if (match && match[1] === key) return match[2].split(', ');
    throw err;
  }
  throw new Error(`${key} was accepted`);
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

/** The README's example config (the JSON block after "Example (`config.json`)"). */
function readmeExample(): Record<string, unknown> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /Example \(`config\.json`\):\s*```json\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('the README has no example config');
  return JSON.parse(block[1]) as Record<string, unknown>;
}

function emitterVariant(type: string): Schema {
  const variant = schema.properties.emitter.oneOf?.find((v) => (v.properties.type as { const?: unknown }).const === type);
  if (!variant) throw new Error(`no emitter variant ${type}`);
  return variant;
}

test('the schema is a draft 2020-12 object schema with every section and every emitter type', (t) => {
  t.is(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  t.is(schema.type, 'object');
  t.is(schema.additionalProperties, false);
  t.deepEqual(schema.required, ['app', 'stream']);
  t.deepEqual(schema.properties.emitter.oneOf?.map((v) => (v.properties.type as { const?: unknown }).const), [...EMITTER_TYPES]);
  t.deepEqual(schema.properties.logLevel.enum, ['debug', 'info', 'warn', 'error', 'silent']);
  t.is(schema.properties.buffer.properties.maxRecords.default, 500);
});

test('the build wrote the schema to dist/config.schema.json', (t) => {
  const written = JSON.parse(readFileSync(new URL('../config.schema.json', import.meta.url), 'utf8')) as unknown;
  t.deepEqual(written, schema);
});

test('every top-level option resolveConfig accepts is in the schema, and nothing else but $schema', (t) => {
  t.deepEqual(Object.keys(schema.properties), [...knownBeside({ ...base, zzz: 1 }, 'zzz'), '$schema']);
});

test('every section and emitter type takes the same options in the schema as in resolveConfig', (t) => {
  for (const name of ['kinesis', 'checkpoint', 'transform', 'buffer', 'deadLetter', 'reader', 'shards', 'restart']) {
    const known = knownBeside({ ...base, [name]: { zzz: 1 } }, `${name}.zzz`);
    t.deepEqual(sorted(known), sorted(Object.keys(schema.properties[name].properties)), name);
  }
  // A key no emitter type knows is refused listing every type's options; one of another type's,
  // listing the options of the type given.
  const all = knownBeside({ ...base, emitter: { type: 'discard', zzz: 1 } }, 'emitter.zzz');
  const variants = EMITTER_TYPES.map((type) => Object.keys(emitterVariant(type).properties));
  t.deepEqual(sorted(all), sorted(new Set(variants.flat())));
  for (const [i, type] of EMITTER_TYPES.entries()) {
    const foreign = all.find((key) => !variants[i].includes(key))!;
    t.deepEqual(sorted(knownBeside({ ...base, emitter: { type, [foreign]: 1 } }, `emitter.${foreign}`)), sorted(variants[i]), type);
  }
});

test('the README example fits the schema and resolves; a misspelt key fits neither', (t) => {
  const example = readmeExample();
  t.is(checkJsonSchema(example, schema), undefined);
  t.notThrows(() => resolveConfig(example, context));
  const misspelt = { ...example, emitter: { ...(example.emitter as object), bukket: 'events' } };
  t.regex(checkJsonSchema(misspelt, schema) ?? '', /^\$\.emitter: fits 0 of oneOf/);
  t.throws(() => resolveConfig(misspelt, context), { message: /^emitter\.bukket is not a known option/ });
  t.is(checkJsonSchema({ ...example, buffer: { maxRecords: 0 } }, schema), '$.buffer.maxRecords: below 1');
});

test('a config may name its schema with $schema, which is not part of the resolved config', (t) => {
  const config = resolveConfig({ $schema: './node_modules/kinesis-connectors/config.schema.json', ...base }, context);
  t.false('$schema' in config);
  t.deepEqual(config, resolveConfig(base, context));
  t.throws(() => resolveConfig({ ...base, $schema: 5 }, context), { message: '$schema must be a string, got 5' });
  t.is(checkJsonSchema({ ...base, $schema: 'x' }, schema), undefined);
});
