/**
 * Checks a function whose gradient is written out (tf.customGrad) against the same maths op by
 * op, differentiated by tfjs: the loss and the gradient of every input, each within a relative
 * tolerance of its largest entry.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../src/experiments/data/rng.js';

/** Seeded normal values. */
export const normals = (seed: number, n: number, scale = 1) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
};

/** The value and every input's gradient of `f` at `inputs`, as arrays. */
export function valueAndGradients(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  inputs: () => tf.Tensor[],
): Float32Array[] {
  return tf.tidy(() => {
    const { value, grads } = tf.valueAndGrads(f)(inputs());
    return [value.dataSync(), ...grads.map((g) => g.dataSync())] as Float32Array[];
  });
}

/** byHand's values and gradients within `tolerance` (relative to the largest) of auto's. */
export function assertSameGradients(
  byHand: Float32Array[],
  auto: Float32Array[],
  tolerance = 1e-5,
) {
  assert.equal(byHand.length, auto.length);
  for (let i = 0; i < auto.length; i++) {
    const scale = Math.max(...Array.from(auto[i]!, Math.abs));
    const gap = Math.max(...Array.from(auto[i]!, (v, k) => Math.abs(v - byHand[i]![k]!)));
    assert.ok(gap <= tolerance * scale, `output ${i}: largest gap ${gap} of ${scale}`);
  }
}
