// FileCheckpointStore's lock file: one store (one process) per checkpoint file.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectorError } from '../src/core/errors.js';
import { FileCheckpointStore } from '../src/checkpoint/file-checkpoint-store.js';

async function withDir(run: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-lock-'));
  try {
    await run(join(dir, 'checkpoints.json'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const store = (file: string) => new FileCheckpointStore({ app: 'app', stream: 'clicks', file });
const exists = (path: string) => access(path).then(() => true, () => false);
const lockOf = async (file: string) => JSON.parse(await readFile(`${file}.lock`, 'utf8')) as { pid: number; host: string; since: string };

test('a second store on the same file is refused with CHECKPOINT_IN_USE, naming the file and suggesting checkpoint.redis; close frees it', async (t) => {
  await withDir(async (file) => {
    const first = store(file);
    await first.open();
    t.like(await lockOf(file), { pid: process.pid, host: hostname() });
    t.is(await first.set('shardId-0', '10'), '10');

    const second = store(file);
    const err = await t.throwsAsync(second.open(), { instanceOf: ConnectorError });
    t.is(err.code, 'CHECKPOINT_IN_USE');
    t.true(err.message.includes(`checkpoint file ${file} is in use by process ${process.pid} on ${hostname()}`), err.message);
    t.true(err.message.includes(`lock file ${file}.lock`));
    t.true(err.message.includes('checkpoint.redis'));
    t.true(await exists(`${file}.lock`), 'the refused store left the lock alone');
    await second.close();
    t.true(await exists(`${file}.lock`), 'closing a refused store does not remove the holder\'s lock');
    await t.throwsAsync(store(file).open(), { message: /in use/ }, 'still held');

    await first.close();
    t.false(await exists(`${file}.lock`), 'close removes the lock file');
    const third = store(file);
    await third.open();
    t.is(await third.get('shardId-0'), '10');
    t.like(await lockOf(file), { pid: process.pid });
    await third.close();
    t.false(await exists(`${file}.lock`));
  });
});

test('a stale lock of an exited process on this host is taken over', async (t) => {
  await withDir(async (file) => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    const pid = child.pid!;
    await writeFile(`${file}.lock`, JSON.stringify({ pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
    const s = store(file);
    await s.open();
    t.like(await lockOf(file), { pid: process.pid, host: hostname() }, 'the lock is this process\'s now');
    await s.close();
    t.false(await exists(`${file}.lock`));
  });
});

test('a lock of a live other process is refused, naming its pid', async (t) => {
  await withDir(async (file) => {
    const child: ChildProcess = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await once(child, 'spawn');
      await writeFile(`${file}.lock`, JSON.stringify({ pid: child.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
      const err = await t.throwsAsync(store(file).open(), { instanceOf: ConnectorError });
      t.is(err.code, 'CHECKPOINT_IN_USE');
      t.true(err.message.includes(`process ${child.pid} on ${hostname()} since 2020-01-01T00:00:00.000Z`), err.message);
      t.like(await lockOf(file), { pid: child.pid }, 'the lock was not touched');
    } finally {
      child.kill();
    }
  });
});

test('a lock from another host is refused, even when its pid is not alive here', async (t) => {
  await withDir(async (file) => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    await writeFile(`${file}.lock`, JSON.stringify({ pid: child.pid, host: `${hostname()}-elsewhere`, since: '2020-01-01T00:00:00.000Z' }));
    const err = await t.throwsAsync(store(file).open(), { instanceOf: ConnectorError });
    t.is(err.code, 'CHECKPOINT_IN_USE');
    t.true(err.message.includes(`on ${hostname()}-elsewhere`));
  });
});

test('an unreadable lock file is refused as "another process", not taken over', async (t) => {
  await withDir(async (file) => {
    await writeFile(`${file}.lock`, 'garbage');
    const err = await t.throwsAsync(store(file).open(), { instanceOf: ConnectorError });
    t.is(err.code, 'CHECKPOINT_IN_USE');
    t.true(err.message.includes('in use by another process'));
    t.is(await readFile(`${file}.lock`, 'utf8'), 'garbage');
  });
});

/** A process that waits for `go` to exist, then tries to take `lock` and says whether it holds it (and keeps it a while). */
const CONTENDER = `
const [url, lock, go] = process.argv.slice(1);
const { acquireLock } = await import(url);
const { access } = await import('node:fs/promises');
while (!(await access(go).then(() => true, () => false))) await new Promise((r) => setTimeout(r, 1));
const r = await acquireLock(lock);
process.stdout.write(r.held ? 'held' : 'refused');
setTimeout(() => {}, 300);
`;

test('two processes that find the same stale lock at once: exactly one of them holds it, every time', async (t) => {
  const lockModule = new URL('../src/checkpoint/file-lock.js', import.meta.url).href;
  await withDir(async (file) => {
    const dead = spawn(process.execPath, ['-e', '']);
    await once(dead, 'exit');
    for (let round = 0; round < 8; round++) {
      const lock = `${file}.${round}.lock`;
      const go = `${file}.${round}.go`;
      await writeFile(lock, JSON.stringify({ pid: dead.pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' }));
      const contenders = [0, 1].map(() => spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, lockModule, lock, go], { stdio: ['ignore', 'pipe', 'inherit'] }));
      const said = contenders.map(async (c) => {
        let out = '';
        c.stdout.on('data', (d) => { out += d; });
        await once(c, 'exit');
        return out;
      });
      await new Promise((r) => setTimeout(r, 400)); // both waiting on the go file
      await writeFile(go, '');
      const answers = (await Promise.all(said)).sort();
      t.deepEqual(answers, ['held', 'refused'], `round ${round}`);
      const holder = JSON.parse(await readFile(lock, 'utf8')) as { pid: number };
      t.true(contenders.some((c) => c.pid === holder.pid), `round ${round}: the lock file names the process that holds it`);
    }
  });
});
