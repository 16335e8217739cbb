// The live status page in a real browser (Debian's chromium, driven headless by puppeteer-core):
// every shard in the table, its numbers moving while records are produced, nothing loaded from
// anywhere but the pipeline's own endpoints. Needs chromium at /usr/bin/chromium (or $CHROMIUM_PATH).
import test from 'ava';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { createStream } from '../src/aws/create-stream.js';
import { Pipeline } from '../src/supervisor/pipeline.js';
import { ids, produce, startEnv, uniqueName, waitFor, type Env } from './helpers/components.js';
import { captureLogger, testOptions } from './helpers/pipeline-options.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let env: Env;
test.before(async () => { env = await startEnv(); });
test.after.always(async () => { await env?.close(); });

/** Each row of the table: shard id and its numbers as shown. */
async function readTable(page: Page): Promise<Array<{ shard: string; state: string; read: number; emitted: number }>> {
  // Evaluated in the page (as text: the project's types have no DOM).
  const cells = await page.evaluate('[...document.querySelectorAll("#rows tr")].map((r) => [...r.querySelectorAll("td")].map((c) => c.textContent))') as string[][];
  const n = (s: string) => Number(s.replace(/,/g, ''));
  return cells.map((c) => ({ shard: c[0], state: c[1], read: n(c[4]), emitted: n(c[5]) }));
}

test.serial('the status page shows every shard, its numbers move while records are produced, and it loads nothing from outside', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`chromium is missing at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
    return;
  }
  const stream = uniqueName('http-page');
  await createStream(env.kinesisClient, stream, 3);
  const pipeline = new Pipeline(testOptions(env, uniqueName('app'), stream, { http: { port: 0 } }), { logger: captureLogger() });
  await pipeline.start();
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const base = pipeline.httpUrl!;
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 700 });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${base}/`, { waitUntil: 'load' });
    await page.waitForFunction('document.querySelectorAll("#rows tr").length === 3', { timeout: 5000 });
    const first = await readTable(page);
    t.deepEqual(first.map((r) => r.shard).sort(), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    t.true(first.every((r) => r.state === 'running'));

    // Records for a few seconds: the page's totals and rows follow.
    let produced = 0;
    for (let i = 0; i < 8; i++) {
      await produce(env.kinesisClient, stream, ids(`p${i}`, 300));
      produced += 300;
      await new Promise((r) => setTimeout(r, 300));
    }
    await waitFor(async () => (await readTable(page)).reduce((a, r) => a + r.emitted, 0) === produced, 20_000, 'the page showing every record emitted');
    const later = await readTable(page);
    t.true(later.every((r) => r.read > 0), `every shard read records: ${JSON.stringify(later)}`);
    t.is(await page.evaluate('document.getElementById("t-read").textContent'), produced.toLocaleString('en-US'));
    const points = await page.evaluate('document.getElementById("line").getAttribute("points")') as string;
    t.true(points.split(' ').length >= 2, 'the chart has points');
    t.true(points.split(' ').some((p) => Number(p.split(',')[1]) < 100), 'the chart rose above its floor');

    const shot = join(env.tmp, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.KC_SCREENSHOT_DIR) {
      await mkdir(process.env.KC_SCREENSHOT_DIR, { recursive: true });
      await copyFile(shot, join(process.env.KC_SCREENSHOT_DIR, 'status-page.png'));
    }
    t.true(requests.length >= 2, 'the page and its status.json');
    t.deepEqual(requests.filter((u) => !u.startsWith(`${base}/`)), [], 'nothing loaded from elsewhere');
  } finally {
    await browser.close();
    await pipeline.stop();
  }
});
