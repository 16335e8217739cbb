// A TransformRunner over a transform module written from source into a temporary folder (removed
// when the test ends).
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransformRunner } from '../../src/transform/transform-runner.js';

export async function runnerFor(t: ExecutionContext, source: string): Promise<TransformRunner> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-runner-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'transform.mjs');
  await writeFile(file, source);
  return TransformRunner.load(file);
}
