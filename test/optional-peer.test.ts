// Optional peer dependencies of kinesis-connectors/local: a package that is not installed gives an
// error naming it and the command that installs it; anything else passes through unchanged.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { importOptional, importOptionalPeer, OPTIONAL_PEERS } from '../src/local/optional-peer.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  dependencies: Record<string, string>; devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
};

test('a package that is not installed: an error naming it, what needs it and the install command', async (t) => {
  const name = 'kc-optional-peer-that-is-not-installed';
  const err = await t.throwsAsync(importOptional(name, { range: '^1.2.3', neededFor: 'a test stand-in' }));
  t.is((err as { code?: string }).code, 'DEPENDENCY_MISSING');
  t.is(err.message, `${name} is not installed, and a test stand-in needs it. It is an optional peer dependency of kinesis-connectors: `
    + `install it where kinesis-connectors is installed, with npm install --save-dev "${name}@^1.2.3" (npm install -g "${name}@^1.2.3" next to a global kinesis-connectors)`);
  t.is((err.cause as { code?: string }).code, 'ERR_MODULE_NOT_FOUND');
});

test('a module that is found but misses a dependency of its own fails with the original error', async (t) => {
  const fixture = new URL('./fixtures/imports-missing-package.js', import.meta.url).href;
  const err = await t.throwsAsync(importOptional(fixture, { range: '^1.0.0', neededFor: 'a test' }));
  t.is((err as { code?: string }).code, 'ERR_MODULE_NOT_FOUND');
  t.regex(err.message, /kc-fixture-dependency-that-does-not-exist/);
});

test('an installed optional peer loads', async (t) => {
  const { default: kinesalite } = await importOptionalPeer<typeof import('kinesalite')>('kinesalite');
  t.is(typeof kinesalite, 'function');
});

test('the optional peers are optional peerDependencies (and devDependencies, not dependencies) of the package', (t) => {
  t.deepEqual(Object.keys(pkg.peerDependencies).sort(), Object.keys(OPTIONAL_PEERS).sort());
  for (const [name, { range }] of Object.entries(OPTIONAL_PEERS)) {
    t.is(pkg.peerDependencies[name], range, name);
    t.true(pkg.peerDependenciesMeta[name]?.optional, `${name} is optional`);
    t.is(pkg.devDependencies[name], range, `${name} is a devDependency at the same range`);
    t.false(name in pkg.dependencies, `${name} is not a dependency`);
  }
});
