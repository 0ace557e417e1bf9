import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidGradientError,
  InvalidParameterError,
  madgrad,
  mirrorMadgrad,
} from '../src/tfjs/index.js';
import { bitwiseEqual } from './helpers.js';
import { PATHS, useBackend, values, variable } from './tfjs-helpers.js';

// The first-step rule and MirrorMADGRAD's learning-rate-aware gradient bound on every checked
// path (kernels on cpu storage, on the wasm heap, tfjs ops): refused before anything changes,
// with no tensor left behind.
for (const pc of PATHS) {
  describe(`tfjs optimizers on ${pc.label}: steps stay within reach`, () => {
    for (const [name, make] of [
      ['madgrad', madgrad],
      ['mirrorMadgrad', mirrorMadgrad],
    ] as const) {
      it(`${name}: a variable beyond ±FLOAT32_MAX/2 at its first step is refused`, async () => {
        await useBackend(pc.backend);
        const w = variable([1, -2e38, 3], [3], 'start');
        const opt = make(0.01, { path: pc.path });
        const g = tf.tensor([0.1, 0.1, 0.1]);
        const before = values(w);
        const tensors = tf.memory().numTensors;
        assert.throws(
          () => opt.applyGradients({ [w.name]: g }),
          (e: unknown) =>
            e instanceof InvalidParameterError &&
            e.message.includes(`"${w.name}" holds -1.99`) &&
            e.message.includes('at index 1'),
        );
        assert.equal(opt.iterations, 0);
        assert.equal(opt.stateOf(w.name), undefined);
        assert.equal(tf.memory().numTensors, tensors);
        assert.ok(bitwiseEqual(values(w), before));
        // At the limit the step runs.
        w.assign(tf.tensor([1, -3.4028234663852886e38 / 2, 3]));
        opt.applyGradients({ [w.name]: g });
        assert.ok(values(w).every(Number.isFinite));
        tf.dispose([g, w]);
        opt.dispose();
      });
    }

    it('mirrorMadgrad at lr 1e38: a gradient of 100 is refused, 1e-3 steps and stays finite', async () => {
      await useBackend(pc.backend);
      const w = variable([1, 1], [2], 'mirror-lr');
      const opt = mirrorMadgrad(1e38, { path: pc.path });
      const big = tf.tensor([100, 1]);
      const tensors = tf.memory().numTensors;
      assert.throws(
        () => opt.applyGradients({ [w.name]: big }),
        (e: unknown) => e instanceof InvalidGradientError,
      );
      assert.equal(tf.memory().numTensors, tensors);
      assert.ok(bitwiseEqual(values(w), new Float32Array([1, 1])));
      const small = tf.tensor([1e-3, -1e-3]);
      opt.applyGradients({ [w.name]: small });
      assert.ok(values(w).every(Number.isFinite));
      const weights = await opt.getWeights();
      await opt.setWeights(weights);
      tf.dispose([big, small, w]);
      opt.dispose();
    });
  });
}
