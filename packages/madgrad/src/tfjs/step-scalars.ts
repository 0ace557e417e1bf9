import * as tf from '@tensorflow/tfjs-core';

/** Cube root of a tensor of values >= 0 (tfjs has no cbrt op). */
export function cubeRoot(x: tf.Tensor): tf.Tensor {
  return tf.pow(x, 1 / 3);
}
