import * as tf from '@tensorflow/tfjs-core';

/**
 * Layer normalisation of each row of x [n, d]: y = g · (x - mean) / sqrt(variance + eps) + b with
 * the row's mean and (biased) variance, the maths of tf.moments over the last axis then the
 * affine map, with the gradient written out instead of taken op by op (about a third of the
 * kernels). With x̂ the normalised row, s its inverse deviation and means over the row:
 *   db = Σ_rows dy,  dg = Σ_rows dy·x̂,  dx = s·(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)),  dx̂ = dy·g,
 * which includes the paths through the mean and the variance.
 */
export function layerNorm(
  x: tf.Tensor2D,
  gain: tf.Tensor,
  bias: tf.Tensor,
  eps: number,
): tf.Tensor2D {
  // customGrad passes the inputs, then the function that saves tensors for the gradient.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor2D, tf.Tensor, tf.Tensor];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(input, 1, true);
    const inverse = tf.rsqrt(tf.add(variance, eps));
    const normalised = tf.mul(tf.sub(input, mean), inverse);
    save([normalised, inverse, g]);
    return {
      value: tf.add(tf.mul(normalised, g), b),
      gradFunc: (dy, saved) => {
        const [xHat, s, gainValue] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor];
        const dXHat = tf.mul(dy, gainValue);
        const centred = tf.sub(
          tf.sub(dXHat, tf.mean(dXHat, 1, true)),
          tf.mul(xHat, tf.mean(tf.mul(dXHat, xHat), 1, true)),
        );
        return [tf.mul(s, centred), tf.sum(tf.mul(dy, xHat), 0), tf.sum(dy, 0)];
      },
    };
  });
  return f(x, gain, bias) as tf.Tensor2D;
}
