// Copies non-TypeScript assets that the compiled code loads at run time (Redis Lua scripts),
// keeping their folders.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

for (const entry of readdirSync('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
  const from = join(entry.parentPath ?? entry.path, entry.name);
  const to = join('dist', from);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to);
}
