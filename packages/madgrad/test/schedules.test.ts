import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  constant,
  InvalidOptionError,
  inverseSqrt,
  polynomialDecay,
  powerDecay,
  scheduleFromConfig,
  stepDecay,
  warmupCosine,
} from '../src/index.js';

/** Expected values below are worked out by hand from the fairseq and optax formulas. */
function close(actual: number, expected: number, where: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 + 1e-12 * Math.abs(expected),
    `${where}: got ${actual}, expected ${expected}`,
  );
}

describe('learning-rate schedules', () => {
  it('constant', () => {
    const s = constant(3e-4);
    close(s(0), 3e-4, 'step 0');
    close(s(123456), 3e-4, 'step 123456');
  });

  it('step decay multiplies by the factor from each boundary on (optax piecewise_constant)', () => {
    const s = stepDecay({ lr: 0.1, boundaries: [30, 60, 90] });
    const expected: [number, number][] = [
      [0, 0.1],
      [29, 0.1],
      [30, 0.01],
      [59, 0.01],
      [60, 0.001],
      [95, 0.0001],
    ];
    for (const [step, lr] of expected) close(s(step), lr, `step ${step}`);
    close(stepDecay({ lr: 1, boundaries: [2], factor: 0.5 })(2), 0.5, 'factor 0.5');
  });

  it('fairseq inverse_sqrt: linear warmup, then lr * sqrt(warmup / step)', () => {
    const s = inverseSqrt({ lr: 1e-3, warmupSteps: 4000 });
    close(s(0), 0, 'step 0');
    close(s(1000), 2.5e-4, 'step 1000');
    close(s(4000), 1e-3, 'step 4000');
    close(s(16000), 5e-4, 'step 16000');
    close(s(64000), 2.5e-4, 'step 64000');
    const w = inverseSqrt({ lr: 1e-3, warmupSteps: 4000, warmupInitLr: 1e-7 });
    close(w(0), 1e-7, 'warmup init');
    close(w(2000), 1e-7 + 0.5 * (1e-3 - 1e-7), 'half warmup');
  });

  it('fairseq polynomial_decay: warmup to lr, then (lr - end) * remaining^power + end', () => {
    const s = polynomialDecay({
      lr: 1e-3,
      warmupSteps: 100,
      totalSteps: 1100,
      endLr: 1e-5,
      power: 2,
    });
    close(s(0), 0, 'step 0 (fairseq step_update(0) with warmup)');
    close(s(50), 5e-4, 'step 50');
    close(s(100), 1e-3, 'end of warmup');
    close(s(600), (1e-3 - 1e-5) * 0.25 + 1e-5, 'half way, power 2');
    close(s(1100), 1e-5, 'total steps');
    close(s(5000), 1e-5, 'after');
    const linear = polynomialDecay({ lr: 1, totalSteps: 10 });
    close(linear(0), 1, 'no warmup, step 0');
    close(linear(5), 0.5, 'no warmup, step 5');
  });

  it('optax warmup_cosine_decay: linear warmup, cosine from peak to end over decaySteps - warmup', () => {
    const s = warmupCosine({ peakLr: 1, warmupSteps: 10, decaySteps: 110, endLr: 0.1 });
    close(s(0), 0, 'step 0');
    close(s(5), 0.5, 'half warmup');
    close(s(10), 1, 'peak');
    close(s(60), 0.9 * 0.5 + 0.1, 'half way: cosine 0.5');
    close(s(35), 0.9 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.1, 'a quarter of the way');
    close(s(110), 0.1, 'end');
    close(s(500), 0.1, 'after');
    const e = warmupCosine({
      peakLr: 1,
      warmupSteps: 10,
      decaySteps: 110,
      endLr: 0.1,
      exponent: 2,
      initLr: 0.2,
    });
    close(e(5), 0.6, 'warmup from initLr');
    close(e(60), 0.9 * 0.25 + 0.1, 'exponent 2');
  });

  it('power decay: lr / (step + 1)^power', () => {
    const half = powerDecay({ lr: 0.8, power: 0.5 });
    close(half(0), 0.8, 'p=1/2 step 0');
    close(half(3), 0.4, 'p=1/2 step 3: 0.8 / sqrt(4)');
    close(half(99), 0.08, 'p=1/2 step 99: 0.8 / 10');
    const quarter = powerDecay({ lr: 1, power: 0.25 });
    close(quarter(15), 0.5, 'p=1/4 step 15: 1 / 16^(1/4)');
    close(quarter(80), 1 / 3, 'p=1/4 step 80: 1 / 81^(1/4)');
    close(powerDecay({ lr: 0.3, power: 0 })(1000), 0.3, 'p=0 is constant');
    assert.throws(() => powerDecay({ lr: 1, power: -1 }), /power must be a finite number >= 0/);
  });

  it('round-trips through its config', () => {
    const schedules = [
      constant(0.1),
      stepDecay({ lr: 0.1, boundaries: [3, 7], factor: 0.3 }),
      inverseSqrt({ lr: 1e-3, warmupSteps: 10, warmupInitLr: 1e-5 }),
      polynomialDecay({ lr: 1e-3, warmupSteps: 5, totalSteps: 50, endLr: 1e-6, power: 1.5 }),
      warmupCosine({ peakLr: 1e-2, warmupSteps: 5, decaySteps: 40, endLr: 1e-4 }),
      powerDecay({ lr: 0.5, power: 0.25 }),
    ];
    for (const s of schedules) {
      const json = JSON.parse(JSON.stringify(s.config));
      const rebuilt = scheduleFromConfig(json);
      for (const step of [0, 1, 4, 5, 6, 20, 39, 40, 100]) assert.equal(rebuilt(step), s(step));
    }
  });

  it('rejects bad options and steps with an InvalidOptionError naming them', () => {
    assert.throws(() => constant(-1), /lr must be a finite number >= 0, got -1/);
    assert.throws(() => stepDecay({ lr: 1, boundaries: [5, 3] }), /strictly increasing/);
    assert.throws(
      () => inverseSqrt({ lr: 1, warmupSteps: 0 }),
      /warmupSteps must be an integer >= 1/,
    );
    assert.throws(
      () => polynomialDecay({ lr: 1, warmupSteps: 10, totalSteps: 10 }),
      /totalSteps \(10\) must exceed warmupSteps \(10\)/,
    );
    assert.throws(
      () => warmupCosine({ peakLr: Number.NaN, warmupSteps: 1, decaySteps: 5 }),
      InvalidOptionError,
    );
    assert.throws(() => constant(1)(-1), /step >= 0/);
    assert.throws(
      () => scheduleFromConfig({ kind: 'nope' } as never),
      /unknown schedule kind "nope" \(known: constant, stepDecay, inverseSqrt, polynomialDecay, powerDecay, warmupCosine\)/,
    );
  });
});
