import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from '../maths/clipping.js';
import { InvalidOptionError } from '../maths/errors.js';

/**
 * Global-norm gradient clipping with the semantics of PyTorch's `clip_grad_norm_`: the norm of
 * all gradients taken together, and every gradient multiplied by
 * min(1, maxNorm / (norm + 1e-6)) (`clipScale`, the formula the optimizers' `clipNorm` uses).
 * For any tfjs optimizer: `opt.applyGradients(clipByGlobalNorm(grads, 1))`.
 *
 * Returns new tensors (one per gradient; the caller disposes them) and disposes none of
 * `grads`. Null entries stay null. As in PyTorch, a non-finite norm is passed on: a NaN norm
 * makes every gradient NaN; an infinite one gives the scale 0 (infinite entries become NaN).
 *
 * @param grads Gradients by variable name, as `tf.variableGrads` returns them.
 * @param maxNorm The largest global norm allowed, a finite number > 0.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new InvalidOptionError(`maxNorm must be a finite number > 0, got ${String(maxNorm)}`);
  }
  if (grads == null || typeof grads !== 'object') {
    throw new InvalidOptionError('clipByGlobalNorm takes gradients keyed by variable name');
  }
  const entries = Object.entries(grads);
  const present = entries.filter(([, g]) => g != null).map(([, g]) => g);
  let sumSquares = 0;
  if (present.length > 0) {
    // Per-tensor sums in float32 ops, added in float64 here: one read back for all of them.
    const sums = tf.tidy(() => tf.stack(present.map((g) => tf.sum(tf.square(g)))));
    try {
      for (const s of sums.dataSync()) sumSquares += s;
    } finally {
      sums.dispose();
    }
  }
  const scale = clipScale(Math.sqrt(sumSquares), maxNorm);
  return tf.tidy(() => {
    const factor = tf.scalar(scale);
    const clipped: tf.NamedTensorMap = {};
    for (const [name, g] of entries) {
      clipped[name] = g == null ? (g as unknown as tf.Tensor) : tf.mul(g, factor);
    }
    return clipped;
  });
}
