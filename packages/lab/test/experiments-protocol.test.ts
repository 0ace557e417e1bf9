import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import {
  chooseSetting,
  MAX_EDGE_EXTENSIONS,
  type Plan,
  sweepCapped,
  sweepSpecs,
} from '../src/experiments/protocol.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';

const plan: Plan = {
  preset: PRESET_TABLE.quick,
  tasks: ['digits'],
  methods: ['madgrad'],
  seeds: 3,
};

/** Stores every spec as a finished run whose validation accuracy is `score(lr)`. */
function store(
  specs: readonly RunSpec[],
  runs: Map<string, StoredRun>,
  score: (lr: number) => number,
) {
  for (const s of specs) {
    if (runs.has(s.id)) continue;
    const accuracy = score(s.hyperparameters.lr);
    const status = Number.isFinite(accuracy) ? 'ok' : 'diverged';
    runs.set(s.id, {
      id: s.id,
      task: s.task,
      method: s.method,
      hyperparameters: s.hyperparameters,
      seed: s.seed,
      size: s.size,
      backend: 'test',
      epochs: [{ epoch: 1, val_accuracy: accuracy }],
      final: { val_accuracy: accuracy },
      status,
      seconds: 0,
    });
  }
}

/** Runs the sweep in rounds, as the runner does, and returns the learning rates tried. */
function sweep(score: (lr: number) => number): { lrs: number[]; chosen: number; capped: boolean } {
  const runs = new Map<string, StoredRun>();
  for (let round = 0; round < 2 * MAX_EDGE_EXTENSIONS + 2; round++) {
    store(sweepSpecs(plan, runs), runs, score);
  }
  const lrs = sweepSpecs(plan, runs).map((s) => s.hyperparameters.lr);
  return {
    lrs,
    chosen: chooseSetting(plan, 'digits', 'madgrad', runs)!.lr,
    capped: sweepCapped(plan, 'digits', 'madgrad', runs),
  };
}

describe('the sweep grows past a grid edge where the best setting sits', () => {
  const exponents = PRESET_TABLE.quick.lrExponents; // the preset's grid: centre × 2^k
  const base = exponents.length;
  const top = Math.max(...exponents);
  const bottom = Math.min(...exponents);
  const centre = sweepSpecs(plan)[exponents.indexOf(0)]!.hyperparameters.lr;

  it('keeps the preset grid when the best point is inside it', () => {
    const { lrs, chosen, capped } = sweep((lr) => -Math.abs(Math.log2(lr / centre)));
    assert.equal(lrs.length, base);
    assert.equal(chosen, centre);
    assert.equal(capped, false);
  });

  it('grows as far as the best point goes (past the old cap of two), until it is interior', () => {
    const best = centre * 2 ** (top + 5);
    const { lrs, chosen, capped } = sweep((lr) => -Math.abs(Math.log2(lr / best)));
    assert.ok(Math.abs(chosen / best - 1) < 1e-3, `chose ${chosen}`);
    assert.equal(lrs.length, base + 6); // top + 5 won against top + 6
    assert.equal(capped, false);
  });

  it('stops growing when the next point diverges', () => {
    const limit = centre * 2 ** (top + 3); // larger rates diverge; below it, bigger is better
    const { lrs, chosen, capped } = sweep((lr) => (lr < limit * 0.99 ? lr : Number.NaN));
    assert.equal(lrs.length, base + 3); // top + 3 diverged: top + 2 is interior
    assert.ok(Math.abs(chosen / (centre * 2 ** (top + 2)) - 1) < 1e-3, `chose ${chosen}`);
    assert.equal(capped, false);
  });

  it('adds larger rates one power of 2 at a time while the largest wins, up to the safety cap', () => {
    const best = centre * 2 ** (top + 1); // one past the grid's top
    const { lrs, chosen } = sweep((lr) => -Math.abs(Math.log2(lr / best)));
    assert.ok(Math.abs(chosen / best - 1) < 1e-3, `chose ${chosen}`);
    assert.equal(lrs.length, base + 2); // top + 1 won against top + 2, so the growth stopped there
    const always = sweep((lr) => lr); // bigger is always better: stops at the cap
    assert.equal(always.lrs.length, base + MAX_EDGE_EXTENSIONS);
    assert.ok(Math.abs(always.chosen / (centre * 2 ** (top + MAX_EDGE_EXTENSIONS)) - 1) < 1e-3);
    assert.equal(always.capped, true);
  });

  it('adds smaller rates when the smallest wins', () => {
    const { lrs, chosen, capped } = sweep((lr) => -lr);
    assert.equal(lrs.length, base + MAX_EDGE_EXTENSIONS);
    assert.equal(capped, true);
    assert.ok(Math.abs(chosen / (centre * 2 ** (bottom - MAX_EDGE_EXTENSIONS)) - 1) < 1e-3);
  });

  it('without stored runs, or before the sweep has finished, the grid is the preset one', () => {
    assert.equal(sweepSpecs(plan).length, base);
    assert.equal(sweepSpecs(plan, new Map()).length, base);
  });
});
