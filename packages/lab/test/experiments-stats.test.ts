import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipScale, globalNorm } from 'madgrad';
import { formatEstimate, rebaseGaps } from '../src/experiments/report/summary.js';
import type { StoredRun } from '../src/experiments/run-record.js';
import { mean, meanWithTwoSe, sampleStd, standardError } from '../src/experiments/stats.js';
import { editDistance } from '../src/experiments/tasks/edit-distance.js';
import { nmse, ssim } from '../src/experiments/tasks/image-metrics.js';
import { lrMultiplier } from '../src/experiments/tasks/schedules.js';

describe('statistics', () => {
  it('mean, sample standard deviation and standard error match hand computation', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    assert.equal(mean(x), 5);
    // Σ(x - 5)² = 32, n - 1 = 7
    assert.ok(Math.abs(sampleStd(x) - Math.sqrt(32 / 7)) < 1e-12);
    assert.ok(Math.abs(standardError(x) - Math.sqrt(32 / 7) / Math.sqrt(8)) < 1e-12);
    assert.deepEqual(meanWithTwoSe([1, 3]), {
      mean: 2,
      twoSe: 2 * (Math.SQRT2 / Math.SQRT2),
      n: 2,
    });
    assert.equal(standardError([3]), 0);
    assert.ok(Number.isNaN(mean([])));
  });

  it('formats estimates with 4 significant digits', () => {
    assert.equal(formatEstimate({ mean: 98.123, twoSe: 0.456, n: 3 }), '98.12 ± 0.46');
    assert.equal(formatEstimate({ mean: 0.63121, twoSe: 0.0012, n: 3 }), '0.6312 ± 0.0012');
    assert.equal(formatEstimate({ mean: 3.5, twoSe: 0, n: 1 }), '3.500');
    assert.equal(formatEstimate({ mean: Number.NaN, twoSe: 0, n: 0 }), '—');
  });
});

describe('schedules and clipping (closed forms)', () => {
  it('stepwise ×0.1 at 50% and 75%', () => {
    const s = { kind: 'stepwise', milestones: [0.5, 0.75], factor: 0.1 } as const;
    assert.equal(lrMultiplier(s, 49, 100), 1);
    assert.ok(Math.abs(lrMultiplier(s, 50, 100) - 0.1) < 1e-15);
    assert.ok(Math.abs(lrMultiplier(s, 99, 100) - 0.01) < 1e-15);
  });

  it('warmup then inverse square root, warmup then linear decay, constant', () => {
    const inv = { kind: 'warmup-inverse-sqrt', warmup: 10 } as const;
    assert.equal(lrMultiplier(inv, 0, 100), 0.1);
    assert.equal(lrMultiplier(inv, 9, 100), 1);
    assert.equal(lrMultiplier(inv, 39, 100), 0.5);
    const poly = { kind: 'warmup-polynomial', warmup: 10, power: 1 } as const;
    assert.equal(lrMultiplier(poly, 4, 110), 0.5);
    // fairseq polynomial_decay one update ahead: 1 − (t + 1 − W) / (T + 1 − W)
    assert.equal(lrMultiplier(poly, 10, 110), 100 / 101);
    assert.equal(lrMultiplier(poly, 60, 110), 50 / 101);
    assert.equal(lrMultiplier(poly, 110, 110), 0);
    assert.equal(lrMultiplier({ kind: 'constant' }, 5, 10), 1);
  });

  it('global-norm clipping scale as PyTorch clip_grad_norm_', () => {
    assert.equal(globalNorm([[3], [4]]), 5);
    assert.ok(Math.abs(clipScale(5, 0.5) - 0.5 / (5 + 1e-6)) < 1e-15);
    assert.equal(clipScale(0.1, 0.5), 1);
  });
});

describe('metrics', () => {
  it('SSIM is 1 for identical images and lower for noise; NMSE closed form', () => {
    const a = Float32Array.from({ length: 100 }, (_, i) => (i % 7) / 7);
    assert.ok(Math.abs(ssim(a, a, 10, 1) - 1) < 1e-9);
    const b = a.map((v, i) => v + (i % 3 === 0 ? 0.3 : -0.2));
    assert.ok(ssim(b, a, 10, 1) < 0.9);
    assert.equal(nmse([1, 2], [1, 1]), 0.5);
  });

  it('edit distance', () => {
    assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
    assert.equal(editDistance([], [1, 2]), 2);
  });
});

describe('sparse optimality gap', () => {
  it('the report re-bases gaps on the lowest objective of the solver or any run', () => {
    const size = { train: 10, val: 5, test: 5, epochs: 2, batchSize: 5, width: 0 };
    const run = (seed: number, objectives: number[]): StoredRun => ({
      id: `r${seed}`,
      task: 'sparse',
      method: 'adagrad',
      hyperparameters: { lr: 1, weightDecay: 0 },
      seed,
      size,
      backend: 'core',
      epochs: objectives.map((o, i) => ({
        epoch: i + 1,
        objective: o,
        f_star: 0.5,
        test_gap: o - 0.5,
      })),
      final: {},
      status: 'ok',
      seconds: 1,
    });
    const [a, b] = rebaseGaps([run(0, [0.9, 0.6]), run(1, [0.8, 0.4])]);
    assert.deepEqual(
      a!.epochs.map((e) => Number(e.test_gap!.toFixed(12))),
      [0.5, 0.2],
    );
    assert.equal(Number(b!.final.test_gap!.toFixed(12)), 0);
    assert.equal(b!.final.f_star, 0.4);
  });
});
