import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  InvalidGradientError,
  InvalidOptionError,
  madgrad,
  mirrorMadgrad,
  type TfjsOptimizerConfig,
} from '../src/tfjs/index.js';
import { PATHS, useBackend, variable } from './tfjs-helpers.js';

/** A tfjs built-in optimizer whose every step throws, as ours do on a NaN gradient. */
class ThrowingSgd extends tf.SGDOptimizer {
  override applyGradients(): void {
    throw new Error('refused');
  }
}

/** A one-layer model compiled with `optimizer`, and a batch whose input holds a NaN. */
function nanFit(optimizer: tf.Optimizer) {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [2], units: 1, kernelInitializer: 'ones' })],
  });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const xs = tf.tensor2d([
    [1, Number.NaN],
    [0, 1],
  ]);
  const ys = tf.tensor2d([[1], [2]]);
  /** Tensors left alive by 20 fits (each failing or skipping its only step). */
  const leakOf20Fits = async (): Promise<number> => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await model.fit(xs, ys, { epochs: 1, verbose: 0 }).catch(() => undefined);
    }
    return tf.memory().numTensors - before;
  };
  return {
    leakOf20Fits,
    dispose: () => {
      model.dispose();
      tf.dispose([xs, ys]);
    },
  };
}

for (const pc of PATHS) {
  describe(`tfjs optimizers on ${pc.label}: failing steps leave no tensor behind`, () => {
    const opts: TfjsOptimizerConfig = { path: pc.path };

    it('100 minimize calls that throw (NaN gradient, bad schedule, with and without varList)', async () => {
      await useBackend(pc.backend);
      const w = variable([1, 2, 3], [3], 'failing');
      const u = variable([4], [1], 'failing');
      const nanLoss = () =>
        tf.add(tf.sum(tf.mul(w, tf.scalar(Number.NaN))), tf.sum(u)) as tf.Scalar;
      const loss = () => tf.add(tf.sum(tf.square(w)), tf.sum(u)) as tf.Scalar;
      const cases: [
        tf.Optimizer,
        () => tf.Scalar,
        tf.Variable[] | undefined,
        new (m: string) => Error,
      ][] = [
        [madgrad(0.1, opts), nanLoss, undefined, InvalidGradientError],
        [madgrad(0.1, { ...opts, clipNorm: 1 }), nanLoss, [w, u], InvalidGradientError],
        [mirrorMadgrad(0.1, opts), nanLoss, [w, u], InvalidGradientError],
        [madgrad(() => Number.NaN, opts), loss, undefined, InvalidOptionError],
      ];
      for (const [opt, f, varList, error] of cases) {
        const before = tf.memory().numTensors;
        for (let i = 0; i < 100; i++) {
          assert.throws(() => opt.minimize(f, true, varList), error);
        }
        assert.equal(tf.memory().numTensors, before, `${opt.getClassName()} leaked`);
        assert.equal(opt.iterations, 0);
        opt.dispose();
      }
      tf.dispose([w, u]);
    });

    it('20 model.fit calls on data with a NaN: the optimizer adds nothing to what tfjs-layers leaves', async () => {
      await useBackend(pc.backend);
      // tfjs-layers' fit loop itself keeps one tensor (its epoch's index array) whenever the
      // optimizer throws, whatever the optimizer: measured with a built-in one made to throw.
      const reference = nanFit(new ThrowingSgd(0.1));
      const layersOwnLeak = await reference.leakOf20Fits();
      reference.dispose();
      const throwing = nanFit(madgrad(0.1, opts));
      assert.equal(await throwing.leakOf20Fits(), layersOwnLeak);
      throwing.dispose();
      // Skipping such steps throws nothing, and then nothing at all is left.
      const optimizer = madgrad(0.1, { ...opts, nonFinite: 'skip' });
      const skipping = nanFit(optimizer);
      assert.equal(await skipping.leakOf20Fits(), 0);
      assert.equal(optimizer.skippedSteps, 20);
      skipping.dispose();
    });
  });
}
