import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Parameter } from 'madgrad';
import { taskModuleRef } from '../src/experiments/task-module-ref.js';
import { isDefinedTask } from '../src/experiments/tasks/define-task.js';
import { TASK_REGISTRY, TASKS } from '../src/experiments/tasks/index.js';
import {
  type CoreTask,
  defineTask,
  TaskError,
  type TaskSize,
  type TuneResult,
  tune,
} from '../src/index.js';
import { ROOT } from './helpers.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-full-form-'));
// Task modules written by the tests live under dist/, where `madgrad-lab` resolves to this package.
const modules = join(ROOT, 'dist', `test-full-form-${process.pid}`);
mkdirSync(modules, { recursive: true });
after(() => {
  rmSync(temp, { recursive: true, force: true });
  rmSync(modules, { recursive: true, force: true });
});

/** The compiled task-module-ref.js, imported by the child processes below. */
const MODULE_REF_JS = join(ROOT, 'dist', 'src', 'experiments', 'task-module-ref.js');

const SIZE: TaskSize = { train: 8, val: 1, test: 1, epochs: 3, batchSize: 4, width: 0 };

/** ½‖w − (3, −1)‖² on the core engine, with its gradient written out. */
function bowl(overrides: Record<string, unknown> = {}): CoreTask<'bowl', null> {
  return {
    name: 'bowl',
    engine: 'core',
    about: { mirrors: 'a quadratic bowl', data: 'none', model: 'two numbers' },
    metric: { key: 'loss', label: 'test loss', higherIsBetter: false },
    extraMetrics: [],
    available: { train: 8, val: 1, test: 1 },
    sizes: { smoke: SIZE, quick: SIZE, standard: SIZE, full: SIZE },
    schedule: () => ({ kind: 'constant' }),
    lrCentres: { madgrad: 0.5, adam: 0.25, sgd: 0.125 },
    data: () => null,
    model() {
      const w: Parameter = { name: 'w', shape: [2], value: new Float32Array(2) };
      const loss = () => 0.5 * ((w.value[0]! - 3) ** 2 + (w.value[1]! + 1) ** 2);
      return {
        parameters: [w],
        gradient: () => ({ w: Float32Array.of(w.value[0]! - 3, w.value[1]! + 1) }),
        evaluate: () => ({ train_loss: loss(), val_loss: loss(), test_loss: loss() }),
      };
    },
    ...overrides,
  } as CoreTask<'bowl', null>;
}

/** Each tuned method and its number of seeds that finished. */
const seedsOkOf = (result: TuneResult) => result.methods.map((m) => [m.method, m.seedsOk]);

/** Each stored run's method and learning rate. */
function ratesOf(out: string): [string, number][] {
  return readdirSync(join(out, 'runs'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(out, 'runs', f), 'utf8')))
    .map((r): [string, number] => [r.method, r.hyperparameters.lr])
    .sort();
}

describe('the full form of a task', () => {
  it('the built-in tasks are defined by defineTask and pass its checks', () => {
    for (const name of TASKS) {
      const task = TASK_REGISTRY[name];
      assert.ok(isDefinedTask(task), name);
      assert.equal(defineTask(task), task);
    }
  });

  it('names each mistake in one line', () => {
    const smoke = { ...SIZE, batchSize: 16 };
    const bad = bowl({
      engine: 'gpu',
      epochs: 3,
      sizes: { smoke, quick: SIZE, standard: SIZE },
      lrCentres: { madgrad: -1 },
      weightDecayGrid: { adam: [] },
      extraMetrics: [{ key: 'Loss', label: 'loss', higherIsBetter: false }],
    });
    assert.throws(
      () => defineTask(bad),
      (e: unknown) => {
        assert.ok(e instanceof TaskError);
        assert.deepEqual(e.message.split('\n'), [
          `task "bowl": unknown field 'epochs' (known: name, engine, about, metric, extraMetrics, clipNorm, optimalityGap, available, sizes, schedule, prepare, dataSha256, lrCentres, weightDecayGrid, data, model)`,
          `task "bowl": engine must be 'tfjs' or 'core', got 'gpu'`,
          `task "bowl": extraMetrics[0].key must be a lowercase letter, then up to 39 lowercase letters, digits or _, got 'Loss'`,
          `task "bowl": lrCentres.madgrad must be a positive number, got -1`,
          `task "bowl": weightDecayGrid.adam must be an array of 1 to 10 numbers, got an array`,
        ]);
        return true;
      },
    );
    assert.throws(
      () => defineTask(bowl({ sizes: { smoke, quick: SIZE, standard: SIZE } })),
      new TaskError(
        'task "bowl": sizes.smoke.batchSize is more than its 8 training examples\ntask "bowl": sizes.full must be an object, got undefined',
      ),
    );
  });

  it('a model or data that throws stops tune with one line, before any run', async () => {
    const fails = (message: string) => () => {
      throw new Error(message);
    };
    await assert.rejects(
      tune(bowl({ model: fails('no model') }), { preset: 'smoke', out: join(temp, 'no-model') }),
      new TaskError('task "bowl": model(data, size, 0) threw: no model'),
    );
    await assert.rejects(
      tune(bowl({ data: fails('no data') }), { preset: 'smoke', out: join(temp, 'no-data') }),
      new TaskError('task "bowl": data(size) threw: no data'),
    );
  });

  it('tune() on a core task object: each method at its lrCentres, trained in this process', async () => {
    const out = join(temp, 'bowl');
    const result = await tune(bowl(), { preset: 'smoke', out });
    assert.equal(result.task, 'bowl');
    assert.deepEqual(seedsOkOf(result), [
      ['madgrad', 1],
      ['adam', 1],
      ['sgd', 1],
    ]);
    assert.deepEqual(ratesOf(out), [
      ['adam', 0.25],
      ['madgrad', 0.5],
      ['sgd', 0.125],
    ]);
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /^# MADGRAD tuned on bowl: preset/);
  });

  it('tune() on the full-form example module, its runs in child processes', async () => {
    const out = join(temp, 'least-squares');
    const result = await tune(join(ROOT, 'examples', 'least-squares.mjs'), {
      preset: 'smoke',
      out,
      jobs: 2,
    });
    assert.deepEqual(seedsOkOf(result), [
      ['madgrad', 1],
      ['adam', 1],
      ['sgd', 1],
    ]);
    assert.deepEqual(ratesOf(out), [
      ['adam', 0.01],
      ['madgrad', 0.02],
      ['sgd', 0.05],
    ]);
    const run = JSON.parse(
      readFileSync(join(out, 'runs', readdirSync(join(out, 'runs'))[0]!), 'utf8'),
    );
    assert.deepEqual(Object.keys(run.final).sort(), [
      'test_mse',
      'test_r2',
      'train_loss',
      'val_mse',
      'val_r2',
    ]);
    // The full form's data is not hashed: the plan records the module only.
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    assert.deepEqual(Object.keys(plan.modules['least-squares']).sort(), ['path', 'sha256']);
  });

  it('madgrad-lab train --task takes a task module: one run, its epochs as JSON lines', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'dist', 'src', 'cli', 'madgrad.js'),
        'train',
        '--task',
        join(ROOT, 'examples', 'least-squares.mjs'),
        '--method',
        'madgrad',
        '--preset',
        'smoke',
        '--backend',
        'cpu',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.epoch ?? l.status),
      [1, 2, 'ok'],
    );
    assert.ok(lines[2].final.test_mse < lines[0].test_mse, 'the error falls');
  });

  it('tune() on a built-in task by name: the same protocol, the task as reproduce runs it', async () => {
    const out = join(temp, 'sparse');
    const result = await tune('sparse', { preset: 'smoke', out, jobs: 1, methods: ['madgrad'] });
    assert.equal(result.task, 'sparse');
    assert.equal(result.methods[0]?.seedsOk, 1);
    assert.deepEqual(ratesOf(out), [['madgrad', TASK_REGISTRY.sparse.lrCentres!.madgrad]]);
    const plan = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
    assert.equal(plan.modules, undefined);
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /^# MADGRAD reproduction: preset/);
  });
});

/** A task in the simple form whose data is the file `data.json` beside it. */
const DATA_FILE_MODULE = `import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';

const file = new URL('./data.json', import.meta.url);
export default {
  name: 'from-file',
  data() {
    const { x, y } = JSON.parse(readFileSync(file, 'utf8'));
    return { train: { x, y }, val: { x, y }, test: { x, y } };
  },
  model: (seed) => {
    const w = tf.variable(tf.randomNormal([2, 1], 0, 0.1, 'float32', seed + 1));
    return { variables: [w], predict: (x) => tf.matMul(x, w) };
  },
  loss: 'mse',
  metric: { name: 'loss', higherIsBetter: false },
  epochs: 1,
  batchSize: 4,
};
`;

describe("a simple-form task's data hash", () => {
  it('the plan records it; resuming on other data, or a process whose data differs, is refused', async () => {
    const dir = join(modules, 'from-file');
    mkdirSync(dir);
    const path = join(dir, 'from-file.mjs');
    writeFileSync(path, DATA_FILE_MODULE);
    const data = (k: number) =>
      writeFileSync(
        join(dir, 'data.json'),
        JSON.stringify({
          x: [...Array(8)].map((_, i) => [i, k]),
          y: [...Array(8)].map((_, i) => [i]),
        }),
      );
    data(1);
    const out = join(temp, 'from-file');
    await tune(path, { preset: 'smoke', out, jobs: 1, methods: ['madgrad'], backend: 'cpu' });
    const recorded = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')).modules['from-file'];
    assert.match(recorded.dataSha256, /^[0-9a-f]{64}$/);
    data(2);
    const again = await tune(path, { preset: 'smoke', out, jobs: 1, methods: ['madgrad'] }).then(
      () => '',
      (e: Error) => e.message,
    );
    assert.match(
      again,
      /^--out .* holds runs of task "from-file" on other data than its data\(\) gives now: restore the data, choose another --out, or delete .*plan\.json to start over$/,
    );
    // A process that imports the module for the plan (a pool child, a queue worker) loads the data
    // and compares it with the plan's hash.
    const ref = { ...taskModuleRef(path), dataSha256: recorded.dataSha256 };
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { ensureTaskModules } = await import(${JSON.stringify(MODULE_REF_JS)});
await ensureTaskModules({ 'from-file': ${JSON.stringify(ref)} }).catch((e) => console.log(e.message));`,
      ],
      { encoding: 'utf8' },
    );
    assert.match(
      child.stdout,
      /^task "from-file": its data\(\) gives other data than the plan recorded \(sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\): restore it, or tune again into another --out\n$/,
      child.stderr,
    );
    data(1);
    const restored = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { ensureTaskModules } = await import(${JSON.stringify(MODULE_REF_JS)});
await ensureTaskModules({ 'from-file': ${JSON.stringify(ref)} });
console.log('ok');`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(restored.stdout, 'ok\n', restored.stderr);
  });
});
