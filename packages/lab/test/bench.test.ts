import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const BENCH = join(ROOT, 'dist', 'src', 'bench', 'bench.js');
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The step benchmarks docs/kernels.md documents: the rows of its "Benchmark" table. The command
 * may print more; these must be there.
 */
const DOCUMENTED = (() => {
  const doc = readFileSync(join(ROOT, '..', '..', 'docs', 'kernels.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Benchmark'));
  const names = [...section.matchAll(/^ {4}([a-z][a-z0-9-]*) +[\d.]+( +[\d.]+)*$/gm)].map(
    (m) => m[1]!,
  );
  assert.ok(names.includes('madgrad-kernel-1t') && names.length >= 4, 'the docs table was read');
  return names;
})();

/** Every name well-formed and printed once for every size, the same names at each size. */
function assertNames(results: { name: string; n: number }[], sizes: number[]) {
  const names = [...new Set(results.map((x) => x.name))];
  for (const name of names) assert.match(name, NAME);
  for (const n of sizes) {
    const at = results.filter((x) => x.n === n).map((x) => x.name);
    assert.equal(new Set(at).size, at.length, `a name printed twice at n=${n}: ${at}`);
    assert.deepEqual([...at].sort(), [...names].sort(), `the names at n=${n}`);
  }
  assert.equal(results.length, names.length * sizes.length);
  for (const name of DOCUMENTED) assert.ok(names.includes(name), `${name} is documented`);
}

describe('benchmark command line', () => {
  it('prints one JSON document with every name for every size', () => {
    const r = spawnSync(process.execPath, [BENCH, '--json', '--sizes', '1000,4096'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.ok(Number.isInteger(doc.cores) && doc.cores >= 1);
    assertNames(doc.results, [1000, 4096]);
    for (const x of doc.results) assert.ok(x.nsPerParam > 0 && Number.isFinite(x.nsPerParam));
  });

  it('prints a table without --json, and rejects bad sizes', () => {
    const r = spawnSync(process.execPath, [BENCH, '--sizes', '256'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cores: \d+\n/);
    for (const name of DOCUMENTED) assert.match(r.stdout, new RegExp(`^${name}\\s+[\\d.]+$`, 'm'));
    const bad = spawnSync(process.execPath, [BENCH, '--sizes', '12,abc'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"abc" is not a positive integer/);
  });

  // The command's --training runs these two for at least 3 s per entry; the test calls them
  // directly with a tiny batch and no time budget (each entry still times 3 steps).
  it('training throughput (--training): the CNN entries and a task, positive and finite, tiny batch', async () => {
    const { benchTraining } = await import('../src/bench/training-bench.js');
    const { taskStepCost } = await import('../src/bench/task-step-cost.js');
    const seen: string[] = [];
    const cnn = await benchTraining({ batch: 2, budgetMs: 0, onResult: (x) => seen.push(x.name) });
    const names = cnn.map((x) => x.name);
    assert.deepEqual(seen, names, 'progress reports each entry as it finishes');
    assert.equal(new Set(names).size, names.length, `a name twice: ${names}`);
    for (const name of names) assert.match(name, /^cnn-train-[a-z0-9]+(-[a-z0-9]+)*$/);
    // Documented in docs/reproduction.md and docs/training-kernels.md.
    for (const name of ['cnn-train-wasm', 'cnn-train-wasm-fast', 'cnn-train-wasm-sgd'])
      assert.ok(names.includes(name), `${name} is documented`);
    for (const x of cnn) assert.ok(x.samplesPerSecond > 0 && Number.isFinite(x.samplesPerSecond));
    const cost = await taskStepCost('kspace', 'quick', 2, 'wasm');
    assert.ok(Number.isInteger(cost.batchSize) && cost.batchSize >= 1);
    assert.ok(cost.stepWallMs > 0 && Number.isFinite(cost.stepWallMs));
  });

  it('rejects a bad --batch or --training-tasks before training', () => {
    const bad = spawnSync(process.execPath, [BENCH, '--training', '--batch', '0'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--batch: "0" is not a positive integer/);
    const task = spawnSync(process.execPath, [BENCH, '--training', '--training-tasks', 'cifar'], {
      encoding: 'utf8',
    });
    assert.equal(task.status, 2);
    assert.match(task.stderr, /--training-tasks: "cifar" is not one of digits, kspace/);
  });

  it('runs as `madgrad-lab bench` too (plumbing)', () => {
    const cli = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
    const r = spawnSync(process.execPath, [cli, 'bench', '--json', '--sizes', '512'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assertNames(JSON.parse(r.stdout).results, [512]);
  });
});
