import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  constant,
  InvalidOptionError,
  inverseSqrt,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  polynomialDecay,
  powerDecay,
  scheduleFromConfig,
  stepDecay,
  warmupCosine,
} from '../src/tfjs/index.js';
import { saveToMemory, useBackend, values, variable } from './tfjs-helpers.js';

/** An InvalidOptionError whose one-line message matches `pattern` and stays short. */
function refused(pattern: RegExp) {
  return (e: unknown) =>
    e instanceof InvalidOptionError &&
    pattern.test(e.message) &&
    e.message.length < 400 &&
    !e.message.includes('\n');
}

describe('schedules within float32', () => {
  it('refuse a rate beyond float32 at construction, naming the schedule', () => {
    const cases: [string, () => unknown][] = [
      ['constant', () => constant(1e39)],
      ['stepDecay', () => stepDecay({ lr: 1e39, boundaries: [1] })],
      // Grows past float32 only after its second boundary.
      ['stepDecay', () => stepDecay({ lr: 1e30, boundaries: [10, 20], factor: 1e5 })],
      ['inverseSqrt', () => inverseSqrt({ lr: 0.1, warmupSteps: 5, warmupInitLr: 1e39 })],
      ['polynomialDecay', () => polynomialDecay({ lr: 0.1, totalSteps: 9, endLr: 4e38 })],
      ['warmupCosine', () => warmupCosine({ peakLr: 1e39, warmupSteps: 1, decaySteps: 9 })],
      [
        'warmupCosine',
        () => warmupCosine({ peakLr: 1, warmupSteps: 1, decaySteps: 9, initLr: 1e39 }),
      ],
      ['powerDecay', () => powerDecay({ lr: 1e39, power: 0.5 })],
    ];
    for (const [kind, make] of cases) {
      assert.throws(make, refused(new RegExp(`${kind}.*float32`)), kind);
    }
  });

  it('accept the largest float32 rate and a decaying stepDecay that starts high', () => {
    assert.equal(constant(3.4e38)(0), 3.4e38);
    assert.equal(stepDecay({ lr: 3e38, boundaries: [1], factor: 0.5 })(1), 1.5e38);
  });

  it('scheduleFromConfig refuses configs beyond float32', () => {
    assert.throws(() => scheduleFromConfig({ kind: 'constant', lr: 1e39 }), refused(/float32/));
    assert.throws(
      () => scheduleFromConfig({ kind: 'stepDecay', lr: 1, boundaries: [3], factor: 1e39 }),
      refused(/stepDecay/),
    );
  });

  it('fromConfig and a loaded model refuse a saved schedule beyond float32', async () => {
    await useBackend('cpu');
    const config = { learningRate: { schedule: { kind: 'constant', lr: 1e39 } } };
    for (const Cls of [MadgradOptimizer, MirrorMadgradOptimizer]) {
      assert.throws(
        () => Cls.fromConfig(Cls, config as unknown as tf.serialization.ConfigDict),
        refused(/float32/),
      );
    }
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({
      optimizer: new MadgradOptimizer({ learningRate: constant(0.01) }),
      loss: 'meanSquaredError',
    });
    const artifacts = await saveToMemory(model);
    const text = JSON.stringify(artifacts.trainingConfig).replace('"lr":0.01', '"lr":1e39');
    assert.ok(text.includes('1e+39') || text.includes('1e39'));
    const hostile = { ...artifacts, trainingConfig: JSON.parse(text) };
    await assert.rejects(tfl.loadLayersModel(tf.io.fromMemory(hostile)), refused(/float32/));
    model.dispose();
  });

  for (const Cls of [MadgradOptimizer, MirrorMadgradOptimizer]) {
    it(`${Cls.className}: a rate function beyond float32 is refused at the step, nothing changed`, async () => {
      await useBackend('cpu');
      const w = variable([1, 2, 3], [3]);
      const g = tf.tensor1d([0.5, -0.5, 1]);
      for (const rate of [() => 1e39, () => Number.NaN, (k: number) => (k === 0 ? 0.1 : 4e38)]) {
        const opt = new Cls({ learningRate: rate });
        const before = values(w);
        let refusedAt = -1;
        for (let k = 0; k < 2 && refusedAt < 0; k++) {
          const kept = values(w);
          try {
            opt.applyGradients({ [w.name]: g });
          } catch (e) {
            assert.ok(refused(/learning rate/)(e), String(e));
            assert.deepEqual(values(w), kept, 'nothing changed on refusal');
            refusedAt = k;
          }
        }
        assert.ok(refusedAt >= 0, 'the step was refused');
        assert.ok(values(w).every(Number.isFinite), `finite after ${before}`);
        opt.dispose();
      }
      // lr + eps and (lr + eps)·weightDecay are checked as for a numeric rate.
      const decayed = new Cls({ learningRate: () => 3e38, weightDecay: 2, decoupleDecay: true });
      assert.throws(() => decayed.applyGradients({ [w.name]: g }), refused(/weightDecay/));
      decayed.dispose();
      w.dispose();
      g.dispose();
    });
  }
});
