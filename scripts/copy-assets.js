// Copies non-TypeScript assets that the compiled code loads at run time (Redis Lua scripts).
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

for (const name of readdirSync('src')) {
  if (name.endsWith('.lua')) cpSync(join('src', name), join('dist', 'src', name));
}
