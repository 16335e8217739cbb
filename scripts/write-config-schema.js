// Writes the config file's JSON Schema, generated from the compiled config schema, to
// dist/config.schema.json (published as "kinesis-connectors/config.schema.json").
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../dist/src/config/json-schema.js';

writeFileSync(new URL('../dist/config.schema.json', import.meta.url), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
