// What the published package imports, read from the compiled output: the main entry (and the worker
// threads it starts) reaches nothing under src/local/ and imports only `dependencies`; the local
// entry and the CLI load the optional peers (kinesalite, s3rver, pg-gateway) only dynamically, when
// a stand-in starts, never with a static import.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, { types: string; default: string }>; bin: Record<string, string>;
  dependencies: Record<string, string>; peerDependencies: Record<string, string>;
};
const OPTIONAL_PEERS = Object.keys(pkg.peerDependencies);

interface Reference { from: string; specifier: string; dynamic: boolean }

/** The module specifiers a compiled file names: import/export declarations, import() and import types. */
function referencesOf(file: string): Reference[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const refs: Reference[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      refs.push({ from: file, specifier: node.moduleSpecifier.text, dynamic: false });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) refs.push({ from: file, specifier: arg.text, dynamic: true });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      refs.push({ from: file, specifier: node.argument.literal.text, dynamic: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** Every file reachable from `roots` through relative references, and every package reference met. */
function walk(roots: string[]): { files: Set<string>; packages: Reference[] } {
  const files = new Set<string>();
  const packages: Reference[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is referenced but does not exist`);
    files.add(file);
    for (const ref of referencesOf(file)) {
      if (ref.specifier.startsWith('.')) queue.push(resolve(dirname(file), ref.specifier.replace(/\.js$/, file.endsWith('.d.ts') ? '.d.ts' : '.js')));
      else packages.push(ref);
    }
  }
  return { files, packages };
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);
const shown = (refs: Reference[]) => refs.map((r) => `${relative(DIST, r.from)} -> ${r.specifier}${r.dynamic ? ' (dynamic)' : ''}`);
const entry = (subpath: string, kind: 'types' | 'default') => join(ROOT, pkg.exports[subpath][kind]);

test('the main entry and its worker threads reach nothing under src/local/ and import only dependencies', (t) => {
  const workers = readdirSync(join(DIST, 'workers')).filter((f) => f.endsWith('.js')).map((f) => join(DIST, 'workers', f));
  t.true(workers.length > 0);
  const { files, packages } = walk([entry('.', 'default'), ...workers]);
  t.true(files.has(join(DIST, 'src/supervisor/pipeline.js')), 'the walk follows the imports');
  t.deepEqual([...files].filter((f) => f.startsWith(join(DIST, 'src/local/'))).map((f) => relative(DIST, f)), []);
  t.deepEqual(shown(packages.filter((r) => !isBuiltin(r.specifier) && !(packageName(r.specifier) in pkg.dependencies))), []);
});

test('the local entry and the CLI import optional peers only dynamically, and nothing else outside dependencies', (t) => {
  for (const root of [entry('./local', 'default'), join(ROOT, pkg.bin['kinesis-connectors'])]) {
    const { files, packages } = walk([root]);
    t.true(files.has(join(DIST, 'src/local/optional-peer.js')), relative(DIST, root));
    const outside = packages.filter((r) => !isBuiltin(r.specifier) && !(packageName(r.specifier) in pkg.dependencies));
    t.deepEqual(shown(outside.filter((r) => !r.dynamic || !OPTIONAL_PEERS.includes(packageName(r.specifier)))), [], relative(DIST, root));
  }
  const standIn = walk([join(DIST, 'src/local/local-redshift.js')]);
  t.true(standIn.files.has(join(DIST, 'src/local/redshift/session.js')));
  t.deepEqual(shown(standIn.packages.filter((r) => packageName(r.specifier) === 'pg-gateway')), [], 'pg-gateway is never imported statically');
});

test('the type declarations of both entries name no optional peer', (t) => {
  for (const subpath of ['.', './local']) {
    const { files, packages } = walk([entry(subpath, 'types')]);
    t.true(files.size > 1, subpath);
    t.deepEqual(shown(packages.filter((r) => OPTIONAL_PEERS.includes(packageName(r.specifier)))), [], subpath);
  }
});
