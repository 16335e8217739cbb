// A small JSON Schema checker for the tests: the keywords the generated config schema uses
// (type, const, enum, properties, required, additionalProperties, oneOf/anyOf, items, bounds).
// Returns the first problem as "<path>: <what>", or undefined when the value fits.

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fitsType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function checkObject(value: Record<string, unknown>, schema: Schema, path: string): string | undefined {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const key of (schema.required ?? []) as string[]) if (!(key in value)) return `${path}.${key}: required`;
  for (const [key, item] of Object.entries(value)) {
    if (key in properties) {
      const problem = checkJsonSchema(item, properties[key], `${path}.${key}`);
      if (problem) return problem;
    } else if (schema.additionalProperties === false) {
      return `${path}.${key}: not allowed`;
    }
  }
  return undefined;
}

export function checkJsonSchema(value: unknown, schema: Schema, path = '$'): string | undefined {
  if (typeof schema.type === 'string' && !fitsType(value, schema.type)) return `${path}: not ${schema.type}`;
  if ('const' in schema && value !== schema.const) return `${path}: not ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return `${path}: not one of ${JSON.stringify(schema.enum)}`;
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key] as Schema[] | undefined;
    if (!options) continue;
    const fits = options.filter((option) => checkJsonSchema(value, option, path) === undefined).length;
    if (key === 'oneOf' ? fits !== 1 : fits === 0) return `${path}: fits ${fits} of ${key}`;
  }
  if (typeof value === 'string' && typeof schema.minLength === 'number' && value.length < schema.minLength) return `${path}: too short`;
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${path}: below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${path}: above ${schema.maximum}`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${path}: too few items`;
    for (const [i, item] of value.entries()) {
      const problem = schema.items ? checkJsonSchema(item, schema.items as Schema, `${path}[${i}]`) : undefined;
      if (problem) return problem;
    }
  }
  if (typeOf(value) === 'object' && (schema.properties || schema.additionalProperties === false)) {
    return checkObject(value as Record<string, unknown>, schema, path);
  }
  return undefined;
}
