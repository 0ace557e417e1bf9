import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ablationArms, ablationConfig } from '../src/experiments/ablation.js';
import { lrCentreOf, METHODS } from '../src/experiments/methods.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, seedSpecs, sweepSpecs } from '../src/experiments/protocol.js';
import type { StoredRun } from '../src/experiments/run-record.js';
import { TASKS } from '../src/experiments/tasks/index.js';
import { totalStepsOf } from '../src/experiments/tasks/task.js';
import { storedRunFor } from './stored-runs.js';

/** The plan `madgrad-lab reproduce --preset standard` runs, built without running anything. */
const PLAN: Plan = {
  preset: PRESET_TABLE.standard,
  tasks: TASKS,
  methods: METHODS,
  seeds: PRESET_TABLE.standard.seeds,
};

describe('the standard preset, planned without running it', () => {
  it('trains each task at the sizes docs/reproduction.md gives, long enough for a plateau check', () => {
    const sizes = Object.fromEntries(
      TASKS.map((t) => {
        const s = PRESET_TABLE.standard.sizes[t];
        return [t, [s.train, s.val, s.test, s.epochs, s.batchSize, s.width, totalStepsOf(s)]];
      }),
    );
    assert.deepEqual(sizes, {
      digits: [4096, 1000, 2000, 8, 64, 8, 512],
      kspace: [2048, 200, 1000, 8, 32, 4, 512],
      g2p: [4096, 500, 1000, 14, 128, 48, 448],
      mlm: [4096, 500, 1000, 12, 128, 16, 384],
      sparse: [4046, 1000, 1000, 20, 32, 0, 2520],
    });
    // The last quarter of training spans at least two epochs.
    for (const t of TASKS) assert.ok(PRESET_TABLE.standard.sizes[t].epochs >= 8);
  });

  it('sweeps 3 learning rates per method (both weight decays on digits), then 8 seeds', () => {
    assert.equal(PRESET_TABLE.standard.seeds, 8);
    const sweep = sweepSpecs(PLAN);
    const count = (task: string) => sweep.filter((s) => s.task === task).length;
    const digitsMadgrad = sweep.filter((s) => s.task === 'digits' && s.method === 'madgrad');
    // Every method gets the grid below on digits, and its 3 learning rates alone elsewhere.
    for (const t of TASKS)
      assert.equal(count(t), (METHODS.length * digitsMadgrad.length) / (t === 'digits' ? 1 : 2), t);
    assert.deepEqual(
      digitsMadgrad.map((s) => [s.hyperparameters.lr, s.hyperparameters.weightDecay]),
      [
        [0.016, 0],
        [0.016, 1e-5],
        [0.032, 0],
        [0.032, 1e-5],
        [0.064, 0],
        [0.064, 1e-5],
      ],
    );
    // A finished sweep whose best point is interior (each run scores best at the grid's centre).
    const runs = new Map<string, StoredRun>();
    for (const s of sweep) {
      const centre = PRESET_TABLE.standard.lrCentres?.[s.task]?.[s.method];
      const score = s.hyperparameters.lr === centre && s.hyperparameters.weightDecay === 0 ? 1 : 0;
      const final = { val_accuracy: 90 + score, val_ssim: 0.8 + score / 10, val_loss: 2 - score };
      runs.set(s.id, storedRunFor(s, { final }));
    }
    assert.equal(sweepSpecs(PLAN, runs).length, sweep.length, 'no sweep grows');
    const seeds = seedSpecs(PLAN, runs);
    // The sweep's chosen run is seed 1: the other seeds of every method on every task.
    assert.equal(seeds.length, (PRESET_TABLE.standard.seeds - 1) * METHODS.length * TASKS.length);
    assert.ok(seeds.every((s) => s.hyperparameters.weightDecay === 0));
    assert.deepEqual(
      [...new Set(seeds.filter((s) => s.task === 'g2p').map((s) => s.hyperparameters.lr))],
      [1.6, 0.8, 2, 0.064, 0.1],
    );
  });

  it("centres the reproduction's grids only: the ablation sweeps around the usual values", () => {
    const [arm] = ablationArms(ablationConfig('standard'));
    assert.equal(arm!.plan.preset.lrCentres, undefined);
    const centre = lrCentreOf('digits', 'madgrad');
    assert.deepEqual(
      sweepSpecs({ ...arm!.plan, methods: ['madgrad'] }).map((s) => s.hyperparameters.lr),
      [centre / 2, centre, centre * 2, centre * 4],
    );
    assert.equal(arm!.plan.preset.sizes.digits, PRESET_TABLE.standard.sizes.digits);
  });
});
