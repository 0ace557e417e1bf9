import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
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

describe('entry points', () => {
  it('the core entry point imports nothing from TensorFlow.js', () => {
    const graph = importGraph(join(ROOT, 'dist', 'src', 'index.js'));
    assert.ok(graph.size > 5);
    for (const [file, specifiers] of graph) {
      for (const s of specifiers) assert.ok(!s.startsWith('@tensorflow'), `${file} imports ${s}`);
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
});
