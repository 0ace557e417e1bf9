import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ABLATION_METHODS,
  lrCentreOf,
  METHODS,
  type MethodName,
} from '../src/experiments/methods.js';
import { ABLATION_TASKS } from '../src/experiments/plan-schema.js';
import { spec } from '../src/experiments/protocol.js';
import { executeRun } from '../src/experiments/run-task.js';
import { TASK_REGISTRY, TASKS, type TaskName } from '../src/experiments/tasks/index.js';
import type { TaskSize } from '../src/experiments/tasks/task.js';

/**
 * A reduced smoke configuration (smaller than the `smoke` preset, which the CLI test and
 * `madgrad-lab reproduce --preset smoke` run in full): every method of the reproduction and of the
 * ablation trains two epochs on every task where it has a learning-rate centre and ends with
 * finite metrics.
 */
const TINY: Record<TaskName, TaskSize> = {
  digits: { train: 128, val: 32, test: 32, epochs: 2, batchSize: 32, width: 4 },
  kspace: { train: 64, val: 16, test: 16, epochs: 2, batchSize: 32, width: 4 },
  g2p: { train: 64, val: 16, test: 16, epochs: 2, batchSize: 32, width: 8 },
  mlm: { train: 64, val: 16, test: 16, epochs: 2, batchSize: 32, width: 8 },
  sparse: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 32, width: 0 },
};

/** Every method of both tables, each once: the reproduction's, then the ablation's others. */
const ALL_METHODS: readonly MethodName[] = [...new Set([...METHODS, ...ABLATION_METHODS])];

/** The tasks a method has a centre on, so the ones it can train on without a given rate. */
const tasksOf = (method: MethodName) =>
  TASKS.filter((task) => {
    try {
      return lrCentreOf(task, method) > 0;
    } catch {
      return false;
    }
  });

describe('smoke: every task × method', () => {
  it('the loop below covers the reproduction on every task and the ablation on its tasks', () => {
    for (const method of METHODS) assert.deepEqual(tasksOf(method), TASKS, method);
    for (const method of ABLATION_METHODS) {
      for (const task of ABLATION_TASKS) assert.ok(tasksOf(method).includes(task), method);
    }
  });

  for (const task of TASKS) {
    for (const method of ALL_METHODS.filter((m) => tasksOf(m).includes(task))) {
      it(`${task} × ${method} finishes with finite metrics (wasm)`, async () => {
        const t = TASK_REGISTRY[task];
        const hp = { lr: lrCentreOf(task, method), weightDecay: t.weightDecayGrid ? 1e-4 : 0 };
        const run = await executeRun(spec(task, method, hp, 0, TINY[task]), 'wasm');
        assert.equal(run.status, 'ok', run.error);
        assert.equal(run.epochs.length, 2);
        assert.ok(Number.isFinite(run.final[`test_${t.metric.key}`]));
        for (const [k, v] of Object.entries(run.final))
          assert.ok(Number.isFinite(v), `${k} = ${v}`);
      });
    }
  }

  for (const task of ['digits', 'kspace', 'g2p', 'mlm'] as const) {
    it(`${task} trains on the cpu backend too: the same first-step loss and metrics as wasm`, async () => {
      const t = TASK_REGISTRY[task];
      // One batch, one epoch: the epoch's train loss is the first step's loss (same seed, same
      // initial weights on both backends); the metrics follow that one step.
      const size = { ...TINY[task], train: TINY[task].batchSize, epochs: 1 };
      const s = spec(task, 'madgrad', { lr: lrCentreOf(task, 'madgrad'), weightDecay: 0 }, 0, size);
      const cpu = await executeRun(s, 'cpu');
      const wasm = await executeRun(s, 'wasm');
      assert.equal(cpu.status, 'ok', cpu.error);
      assert.equal(wasm.status, 'ok', wasm.error);
      for (const [k, v] of Object.entries(cpu.final)) assert.ok(Number.isFinite(v), `${k} = ${v}`);
      const [a, b] = [cpu.final.train_loss!, wasm.final.train_loss!];
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(a), `first-step loss: cpu ${a}, wasm ${b}`);
      const key = `test_${t.metric.key}`;
      assert.ok(
        Math.abs(cpu.final[key]! - wasm.final[key]!) < 1e-3 * (1 + Math.abs(wasm.final[key]!)),
        `${key}: cpu ${cpu.final[key]}, wasm ${wasm.final[key]}`,
      );
    });
  }

  it('a run can replace the task schedule (for schedule comparisons); the id tells them apart', async () => {
    const hp = { lr: 0.05, weightDecay: 0 };
    const size = { ...TINY.digits, epochs: 4 };
    const own = spec('digits', 'sgd', hp, 0, size);
    const flat = spec('digits', 'sgd', hp, 0, size, { kind: 'constant' });
    assert.notEqual(own.id, flat.id);
    const [a, b] = [await executeRun(own, 'wasm'), await executeRun(flat, 'wasm')];
    assert.equal(b.status, 'ok');
    assert.deepEqual(a.epochs[0], b.epochs[0], 'identical before the first milestone');
    assert.notEqual(a.final.train_loss, b.final.train_loss);
  });

  it('a learning rate far too large is recorded as diverged, not dropped', async () => {
    const run = await executeRun(
      // (mlm: the batch-normalised ResNet of digits, and kspace's U-Net behind a ReLU, keep a
      // finite loss even at absurd rates)
      spec('mlm', 'sgd', { lr: 1e30, weightDecay: 0 }, 0, TINY.mlm),
      'wasm',
    );
    assert.equal(run.status, 'diverged');
  });
});
