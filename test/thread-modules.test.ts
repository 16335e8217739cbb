// What the threads load at start-up: every thread pays its own module loading, so the emitter and
// shard host threads keep out of modules only the main thread needs (zod, which checks the config
// there). A walk over the compiled modules' static imports, from each thread's entry and the
// modules it loads for the s3 and file emitters and for the Kinesis source.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = (path: string) => resolve(dist, path);

/** The packages reached from `roots` by static imports and re-exports, each with the module that imports it. */
function packagesReached(roots: string[]): Map<string, string> {
  const seen = new Set(roots);
  const queue = [...roots];
  const packages = new Map<string, string>();
  while (queue.length > 0) {
    const file = queue.shift()!;
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(/^(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      if (specifier.startsWith('.')) {
        const path = resolve(dirname(file), specifier);
        if (!seen.has(path) && existsSync(path)) {
          seen.add(path);
          queue.push(path);
        }
      } else if (!specifier.startsWith('node:') && !packages.has(specifier)) {
        packages.set(specifier, file.slice(dist.length + 1));
      }
    }
  }
  return packages;
}

const emitterThread = [
  'workers/emitter-thread.js', 'src/emitters/s3/s3-emitter.js', 'src/aws/s3-client.js', 'src/emitters/file/file-emitter.js',
].map(at);
const hostThread = [
  'workers/shard-host-thread.js', 'src/sources/kinesis-shard-source.js', 'src/aws/kinesis-client.js', 'src/aws/kinesis-cbor-client.js',
].map(at);

test('the emitter thread (s3 and file emitters) does not load zod', (t) => {
  const packages = packagesReached(emitterThread);
  t.true(packages.has('comlink/dist/esm/comlink.mjs'), 'the walk reaches the thread\'s packages');
  t.is(packages.get('zod'), undefined);
});

test('the shard host thread does not load zod', (t) => {
  const packages = packagesReached(hostThread);
  t.true(packages.has('cbor-x'), 'the walk reaches the thread\'s packages');
  t.is(packages.get('zod'), undefined);
});

test('the walk finds zod where the config is checked', (t) => {
  t.is(packagesReached([at('src/config/resolve-config.js')]).has('zod'), true);
});

test('no thread imports the AWS SDK as an ES module: it is required through src/aws/sdk-modules.ts', (t) => {
  for (const roots of [emitterThread, hostThread, [at('src/supervisor/pipeline.js')]]) {
    const sdk = [...packagesReached(roots)].filter(([name]) => /^@(aws-sdk|smithy)\//.test(name));
    t.deepEqual(sdk, []);
  }
});
