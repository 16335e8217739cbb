/** Durable files: a directory fsync, and replacing a file whole so no reader sees half of it. */
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Makes a rename or a newly created file in `dir` durable: fsync of the directory itself. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some platforms and file systems cannot fsync a directory; the rename is then as durable as they allow.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `body` to `tmp` (beside `file`), fsyncs it, renames it over `file` and fsyncs the folder:
 * `file` holds either its old content or all of the new one, durably.
 */
export async function replaceFileDurably(file: string, tmp: string, body: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await fsyncDir(dirname(file));
}
