import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers.js';

/**
 * The layering of the repository's sources, checked on every .ts file under packages/ * /src:
 * each folder has a level, and a file may import only from its own folder or from folders of a
 * lower level (so there can be no cycle between folders).
 *
 * Library (packages/madgrad/src): maths < kernels < optimizers < tfjs < index.ts, experimental.ts.
 * Lab (packages/lab/src): experiments/data < experiments/models < experiments/tasks < experiments
 * < experiments/report < browser (serving and driving pages) < conformance, bench, queue, tune (side
 * by side: none imports another) < cli/commands < cli < index.ts (the package's library entry). A page bundled for the browser
 * (conformance/browser, bench/browser) belongs to the folder that serves it. The lab reaches the
 * library only through its package exports: `madgrad`, `madgrad/tfjs`, `madgrad/experimental` and
 * `madgrad/tfjs/experimental`.
 */
const LIBRARY_LEVELS: Record<string, number> = {
  maths: 0,
  kernels: 1,
  optimizers: 2,
  tfjs: 3,
  '.': 4,
};
const LAB_LEVELS: Record<string, number> = {
  'experiments/data': 0,
  'experiments/models': 1,
  'experiments/tasks': 2,
  experiments: 3,
  'experiments/report': 4,
  browser: 5,
  conformance: 6,
  bench: 6,
  queue: 6,
  tune: 6,
  'cli/commands': 7,
  cli: 8,
  '.': 9,
};
const LAB_LIBRARY_ENTRIES = new Set([
  'madgrad',
  'madgrad/tfjs',
  'madgrad/experimental',
  'madgrad/tfjs/experimental',
]);

/** A source file's folder as a layer sees it: the library by top folder, the lab by full path. */
export type FolderOf = (file: string) => string;

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly reason: string;
}

/** Every .ts file under dir (declaration files excluded). */
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** The module specifiers a file imports or re-exports (static and dynamic imports). */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * The imports among `files` (path -> source) that break the levels: a relative import that
 * leaves `srcDir` or reaches a folder without a level, or a higher one, or another folder of the
 * same level; a bare import of the library other than `allowedLibrary` (when given).
 */
export function layerViolations(
  srcDir: string,
  files: ReadonlyMap<string, string>,
  levels: Readonly<Record<string, number>>,
  folderOf: FolderOf,
  allowedLibrary?: ReadonlySet<string>,
): Violation[] {
  const out: Violation[] = [];
  for (const [file, source] of files) {
    const from = folderOf(relative(srcDir, file));
    const fromLevel = levels[from];
    if (fromLevel === undefined) {
      out.push({ file, specifier: '', reason: `folder "${from}" has no level` });
      continue;
    }
    for (const specifier of importsOf(source)) {
      if (!specifier.startsWith('.')) {
        const isLibrary = specifier === 'madgrad' || specifier.startsWith('madgrad/');
        if (allowedLibrary && isLibrary && !allowedLibrary.has(specifier)) {
          out.push({
            file,
            specifier,
            reason: `the library is imported only through its entries: ${[...allowedLibrary].join(', ')}`,
          });
        }
        continue;
      }
      const target = relative(srcDir, resolve(dirname(file), specifier));
      if (target.startsWith('..')) {
        out.push({ file, specifier, reason: 'a relative import leaves the package sources' });
        continue;
      }
      const to = folderOf(target);
      const toLevel = levels[to];
      if (to === from) continue;
      if (toLevel === undefined) {
        out.push({ file, specifier, reason: `folder "${to}" has no level` });
      } else if (toLevel >= fromLevel) {
        out.push({
          file,
          specifier,
          reason: `${from} (level ${fromLevel}) may not import ${to} (level ${toLevel})`,
        });
      }
    }
  }
  return out;
}

/** The folder graph's cycles, as folder lists (none when the levels hold). */
export function folderCycles(
  srcDir: string,
  files: ReadonlyMap<string, string>,
  folderOf: FolderOf,
): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const [file, source] of files) {
    const from = folderOf(relative(srcDir, file));
    for (const specifier of importsOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const to = folderOf(relative(srcDir, resolve(dirname(file), specifier)));
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
    }
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

const libraryFolder: FolderOf = (file) => (file.includes(sep) ? file.split(sep)[0]! : '.');
/** Pages bundled for the browser belong to the folder that serves them. */
const labFolder: FolderOf = (file) =>
  dirname(file)
    .split(sep)
    .join('/')
    .replace(/^(conformance|bench)\/browser$/, '$1');

function read(dir: string): Map<string, string> {
  return new Map(sources(dir).map((f) => [f, readFileSync(f, 'utf8')]));
}

const format = (vs: readonly Violation[]) =>
  vs.map((v) => `${v.file}: ${v.specifier} (${v.reason})`).join('\n');

describe('layering', () => {
  const librarySrc = resolve(ROOT, '..', 'madgrad', 'src');
  const labSrc = resolve(ROOT, 'src');

  it('the library: maths < kernels < optimizers < tfjs < index.ts, no cycle between folders', () => {
    const files = read(librarySrc);
    assert.ok(files.size > 20, `found ${files.size} library sources`);
    assert.deepEqual(format(layerViolations(librarySrc, files, LIBRARY_LEVELS, libraryFolder)), '');
    assert.deepEqual(folderCycles(librarySrc, files, libraryFolder), []);
  });

  it('the lab: data < tasks < experiments < report < conformance, bench, queue, tune < cli < index.ts; the library only through its entries', () => {
    const files = read(labSrc);
    assert.ok(files.size > 20, `found ${files.size} lab sources`);
    assert.equal(
      format(layerViolations(labSrc, files, LAB_LEVELS, labFolder, LAB_LIBRARY_ENTRIES)),
      '',
    );
    assert.deepEqual(folderCycles(labSrc, files, labFolder), []);
  });

  it('the checks find an import that runs upward, a cycle, a deep library import', () => {
    const src = '/s';
    const files = new Map([
      ['/s/maths/a.ts', "import { b } from '../optimizers/b.js';"],
      [
        '/s/optimizers/b.ts',
        "import { a } from '../maths/a.js';\nimport x from 'madgrad/dist/x.js';\nimport { y } from 'madgrad/tfjs/experimental';",
      ],
    ]);
    const found = layerViolations(src, files, LIBRARY_LEVELS, libraryFolder, LAB_LIBRARY_ENTRIES);
    assert.deepEqual(
      found.map((v) => v.specifier),
      ['../optimizers/b.js', 'madgrad/dist/x.js'],
    );
    assert.deepEqual(folderCycles(src, files, libraryFolder), [['maths', 'optimizers', 'maths']]);
  });

  it("the lab's library entries are the library's package exports", () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, '..', 'madgrad', 'package.json'), 'utf8'));
    const entries = Object.keys(pkg.exports)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => `madgrad${subpath.slice(1)}`);
    assert.deepEqual([...LAB_LIBRARY_ENTRIES].sort(), entries.sort());
  });
});
