import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ensureTaskModules } from '../src/experiments/task-module-ref.js';
import { tune } from '../src/index.js';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const EXAMPLES = join(ROOT, 'examples');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-tune-'));
// Task modules written by the tests live under dist/, where `madgrad-lab` resolves to this package.
const modules = join(ROOT, 'dist', `test-tasks-${process.pid}`);
mkdirSync(modules, { recursive: true });
after(() => {
  rmSync(temp, { recursive: true, force: true });
  rmSync(modules, { recursive: true, force: true });
});

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('tune on the examples (smoke preset)', () => {
  it('tune() on the classification example: child processes import the module; a second call resumes', async () => {
    const out = join(temp, 'spirals');
    const log: string[] = [];
    const options = {
      preset: 'smoke' as const,
      out,
      jobs: 2,
      onProgress: (l: string) => log.push(l),
    };
    const result = await tune(join(EXAMPLES, 'spirals.mjs'), options);
    assert.equal(result.task, 'spirals');
    assert.deepEqual(
      result.methods.map((m) => [m.method, m.seedsOk]),
      [
        ['madgrad', 1],
        ['adam', 1],
        ['sgd', 1],
      ],
    );
    assert.ok(result.recommended, 'a method is recommended');
    assert.deepEqual(
      result.comparisons.map((c) => [c.baseline, c.verdict]),
      [
        ['adam', 'not judged'],
        ['sgd', 'not judged'],
      ],
    );
    for (const file of [
      'index.html',
      'README.md',
      'tune.txt',
      'tune.json',
      'figures/spirals-curves.svg',
    ]) {
      assert.ok(existsSync(join(out, file)), file);
    }
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    assert.equal(plan.modules.spirals.path, join(EXAMPLES, 'spirals.mjs'));
    assert.match(plan.modules.spirals.sha256, /^[0-9a-f]{64}$/);
    log.length = 0;
    const again = await tune(join(EXAMPLES, 'spirals.mjs'), options);
    assert.ok(
      log.some((l) => /3 runs, 3 already stored, 0 to run/.test(l)),
      log.join('\n'),
    );
    assert.deepEqual(again.recommended, result.recommended);
  });

  it('madgrad-lab tune on the regression example prints the recommendation and the chosen rates; report rewrites its report', () => {
    const out = join(temp, 'regression');
    const r = cli([
      'tune',
      join(EXAMPLES, 'regression.mjs'),
      '--preset',
      'smoke',
      '--out',
      out,
      '--jobs',
      '1',
      '--no-progress',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^recommended: (MADGRAD|Adam|SGD) at learning rate [0-9.e-]+: /m);
    assert.match(r.stdout, /^MADGRAD against Adam: not judged \(/m);
    assert.match(r.stdout, /^learning rates chosen on validation:$/m);
    assert.match(r.stdout, /^no sweep hit its cap$/m);
    assert.equal(
      readFileSync(join(out, 'tune.txt'), 'utf8'),
      r.stdout.slice(r.stdout.indexOf('task regression,'), r.stdout.indexOf('report written')),
    );
    const report = cli(['report', '--out', out]);
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /^report written: .*index\.html/m);
  });

  it('a changed task module is refused: on resume, and by a process importing it for a plan', async () => {
    const path = join(modules, 'regression.mjs');
    copyFileSync(join(EXAMPLES, 'regression.mjs'), path);
    const out = join(temp, 'changed');
    await tune(path, { preset: 'smoke', out, jobs: 1 });
    appendFileSync(path, '// changed\n');
    await assert.rejects(
      tune(path, { preset: 'smoke', out, jobs: 1 }),
      /holds runs of task module .*regression\.mjs as it was before it changed/,
    );
    await assert.rejects(
      ensureTaskModules({ other: { path, sha256: '0'.repeat(64) } }),
      /^TaskError: task module .*regression\.mjs changed since the plan recorded it \(sha256 000000000000…, now [0-9a-f]{12}…\)/,
    );
  });

  it('a task module with mistakes: one error line each, exit code 1', () => {
    const path = join(modules, 'bad.mjs');
    writeFileSync(
      path,
      "export default { name: 'bad', data: () => ({}), model: () => ({}), loss: 'mse', metric: { name: 'accuracy', higherIsBetter: 'yes' }, epochs: 1 };\n",
    );
    const r = cli(['tune', path, '--preset', 'smoke', '--out', join(temp, 'bad')]);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      `error: task "bad": metric.higherIsBetter must be a boolean, got 'yes'\nerror: task "bad": batchSize must be a whole number from 1 to 1000000, got undefined\n`,
    );
    const none = join(modules, 'none.mjs');
    writeFileSync(none, 'export const other = 1;\n');
    const r2 = cli(['tune', none, '--preset', 'smoke', '--out', join(temp, 'none')]);
    assert.match(
      r2.stderr,
      /^error: task module .*none\.mjs exports no task: export it as the default export or as "task"\n$/,
    );
  });
});
