// Every file under a folder, for checking what a component wrote (and that it wrote nothing else).
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file under `root`, relative to it, sorted. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name))).sort();
}
