import test from 'ava';
import { spawn } from 'node:child_process';

const SCRIPT = new URL('./fixtures/stop-during-start.js', import.meta.url).pathname;

test('stop() during the start-up: the start-up gives up, releases what it started, and the process ends on its own', async (t) => {
  const child = spawn(process.execPath, [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  t.is(code, 0, `the process did not end on its own (threads or timers outlived the stop); output: ${out}`);
  const report = JSON.parse(out.trim()) as { start: string };
  t.is(report.start, 'STOPPED_DURING_START');
});
