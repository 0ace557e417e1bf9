import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidGradientError } from '../src/index.js';
import { madgrad, mirrorMadgrad } from '../src/tfjs/index.js';
import { bitwiseEqual } from './helpers.js';
import { PATHS, useBackend, values, variable } from './tfjs-helpers.js';

// Every path (kernels on cpu storage, on the wasm heap, tfjs ops) refuses a finite gradient whose
// square would overflow the float32 accumulator, as it refuses NaN.
for (const pc of PATHS) {
  describe(`tfjs optimizers on ${pc.label}: an overflowing gradient`, () => {
    for (const [name, make, huge] of [
      ['madgrad', madgrad, 3e20],
      ['mirrorMadgrad', mirrorMadgrad, 2e19],
    ] as const) {
      it(`${name}: ${huge} is refused before anything changes, or skipped and counted`, async () => {
        await useBackend(pc.backend);
        const w = variable([1, 2, 3, 4, 5], [5], 'overflow');
        const opt = make(0.01, { path: pc.path });
        opt.applyGradients({ [w.name]: tf.tensor([0.1, 0.1, 0.1, 0.1, 0.1]) });
        const before = values(w);
        const v = values(opt.stateOf(w.name)!.grad_sum_sq!);
        const g = tf.tensor([0.1, huge, 0.1, 0.1, 0.1]);
        assert.throws(
          () => opt.applyGradients({ [w.name]: g }),
          (e: unknown) => e instanceof InvalidGradientError && e.message.includes(w.name),
        );
        assert.equal(opt.iterations, 1);
        assert.ok(bitwiseEqual(values(w), before));
        assert.ok(bitwiseEqual(values(opt.stateOf(w.name)!.grad_sum_sq!), v));
        const skipping = make(0.01, { nonFinite: 'skip', path: pc.path });
        skipping.applyGradients({ [w.name]: g });
        assert.equal(skipping.skippedSteps, 1);
        assert.ok(bitwiseEqual(values(w), before));
        // Clipped to norm 1 first, the same gradient is harmless: it steps.
        const clipped = make(0.01, { path: pc.path, clipNorm: 1 });
        clipped.applyGradients({ [w.name]: g });
        assert.equal(clipped.iterations, 1);
        assert.ok(values(w).every(Number.isFinite));
        clipped.dispose();
        tf.dispose([g, w]);
        opt.dispose();
        skipping.dispose();
      });
    }
  });
}
