/**
 * The lock file of the file checkpoint store (`<file>.lock`, holding the pid, host and start time of
 * its holder): one process at a time. A lock left by a process of this host that is gone (a crash)
 * is taken over. The takeover moves the stale lock aside with a rename, which only one process can
 * win, and checks that what it moved is the stale lock it judged: two processes that find the same
 * stale lock at once never both hold the file.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** Lock files held by this process (a second store in the same process is refused as well). */
const HELD = new Set<string>();

export interface LockOwner { pid: number; host: string; since: string }

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<{ text: string; owner: LockOwner | null } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    const owner = typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? { pid: parsed.pid, host: parsed.host, since: String(parsed.since) } : null;
    return { text, owner };
  } catch {
    return { text, owner: null };
  }
}

/** Takes `path`; resolves to null when taken, else to who holds it (null owner: unreadable, or held in this process). */
export async function acquireLock(path: string): Promise<{ held: true } | { held: false; owner: LockOwner | null }> {
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (HELD.has(path)) return { held: false, owner: me };
    try {
      await writeFile(path, JSON.stringify(me), { flag: 'wx' });
      HELD.add(path);
      return { held: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const seen = await readOwner(path);
    if (seen === null) continue; // released meanwhile: try again
    const { owner } = seen;
    const stale = owner !== null && owner.host === me.host && (owner.pid === process.pid || !isAlive(owner.pid));
    if (!stale) return { held: false, owner };
    const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
      await rename(path, aside);
    } catch {
      continue; // another process moved it first
    }
    const moved = await readOwner(aside);
    if (moved?.text !== seen.text) {
      // What was moved is a lock another process took over meanwhile: it goes back, and it holds.
      await link(aside, path).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      return { held: false, owner: moved?.owner ?? null };
    }
    await unlink(aside).catch(() => undefined);
  }
  return { held: false, owner: (await readOwner(path))?.owner ?? null };
}

export async function releaseLock(path: string): Promise<void> {
  if (!HELD.delete(path)) return;
  await unlink(path).catch(() => undefined);
}
