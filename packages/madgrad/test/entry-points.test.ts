import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers.js';

/** Every module the file imports, transitively, following relative imports. */
function importGraph(file: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, 'utf8');
  // import x from 'a', export { x } from 'a', import 'a', import('a')
  const pattern = /(?:\bimport|\bexport)\s*(?:\(\s*|[^'"();]*?from\s*)?['"]([^'"]+)['"]/g;
  const specifiers = [...text.matchAll(pattern)].map((m) => m[1]!);
  seen.set(file, specifiers);
  for (const s of specifiers) if (s.startsWith('.')) importGraph(resolve(dirname(file), s), seen);
  return seen;
}

/**
 * Each entry point's exports, values and types, sorted, in entry-points.json (which
 * test/installed-library.test.mjs checks on the installed tarball too). A new export is a
 * decision: add it there, and to docs/design.md, "Entry points", when it moves between entries.
 */
const ENTRIES: Record<string, { file: string; values: string[]; types: string[] }> = JSON.parse(
  readFileSync(join(ROOT, 'test', 'entry-points.json'), 'utf8'),
);

/** The names a declaration file exports, values and types, as TypeScript sees them. */
function declaredExports(files: readonly string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  return new Map(
    files.map((file) => {
      const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      return [file, checker.getExportsOfModule(symbol).map((s) => s.name)];
    }),
  );
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe('entry points', () => {
  it('the core entry points import nothing from TensorFlow.js', () => {
    for (const entry of ['index.js', 'experimental.js']) {
      const graph = importGraph(join(ROOT, 'dist', 'src', entry));
      assert.ok(graph.size > 3, entry);
      for (const [file, specifiers] of graph) {
        for (const s of specifiers) assert.ok(!s.startsWith('@tensorflow'), `${file} imports ${s}`);
      }
    }
  });

  it('madgrad/tfjs resolves through package.json exports', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    // A 4.x range; test/installed-*.test.mjs run its lowest and highest versions.
    assert.match(pkg.peerDependencies['@tensorflow/tfjs-core'], /^\^4\.\d+\.\d+$/);
    const tfjs = await import('madgrad/tfjs');
    assert.equal(typeof tfjs.MadgradOptimizer, 'function');
    assert.equal(typeof tfjs.mirrorMadgrad, 'function');
    const core = await import('madgrad');
    assert.equal(typeof core.Madgrad, 'function');
    assert.equal(typeof core.warmupCosine, 'function');
  });

  it('package.json exports exactly the four entries and package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const subpath = (entry: string) => `.${entry.slice('madgrad'.length)}`;
    assert.deepEqual(
      sorted(Object.keys(pkg.exports)),
      sorted([...Object.keys(ENTRIES).map(subpath), './package.json']),
    );
    for (const [entry, { file }] of Object.entries(ENTRIES)) {
      const { import: esm, require: cjs, default: fallback } = pkg.exports[subpath(entry)];
      assert.deepEqual(esm, { types: `./${file}.d.ts`, default: `./${file}.js` }, entry);
      assert.equal(fallback, `./${file}.js`, entry);
      assert.match(cjs.default, /^\.\/cjs\/[\w-]+\.cjs$/, entry);
      assert.equal(cjs.types, cjs.default.replace(/\.cjs$/, '.d.cts'), entry);
      // node10 has no exports: typesVersions maps the subpath to the same declarations.
      if (entry !== 'madgrad') {
        assert.deepEqual(pkg.typesVersions['*'][subpath(entry).slice(2)], [`./${file}.d.ts`]);
      }
    }
  });

  it('each entry exports exactly its list of values, the same with import and require', async () => {
    const require = createRequire(join(ROOT, 'package.json'));
    for (const [entry, { values }] of Object.entries(ENTRIES)) {
      const esm = await import(entry);
      assert.deepEqual(sorted(Object.keys(esm)), sorted(values), entry);
      assert.equal(require(entry), esm, `require('${entry}') is the ES module itself`);
    }
  });

  it('each entry declares exactly its values and types', () => {
    const files = Object.values(ENTRIES).map(({ file }) => join(ROOT, `${file}.d.ts`));
    const declared = declaredExports(files);
    for (const [entry, { file, values, types }] of Object.entries(ENTRIES)) {
      assert.deepEqual(
        sorted(declared.get(join(ROOT, `${file}.d.ts`))!),
        sorted([...values, ...types]),
        entry,
      );
    }
  });

  it('nothing is exported by both a stable entry and an experimental one', () => {
    const stable = new Set(
      [...Object.values(ENTRIES).slice(0, 2)].flatMap((e) => [...e.values, ...e.types]),
    );
    for (const e of Object.values(ENTRIES).slice(2)) {
      for (const name of [...e.values, ...e.types]) assert.ok(!stable.has(name), name);
    }
  });
});
