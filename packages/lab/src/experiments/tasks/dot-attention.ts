import * as tf from '@tensorflow/tfjs-core';

/**
 * Luong dot attention of queries h [n, H] over states [n, S, H], with an additive bias [n, S]
 * (-1e9 on pads): softmax(h · statesᵀ + bias) · states, the context [n, H]. The scores and the
 * context are batched matrix products, one [1, H] by [H, S] (and [1, S] by [S, H]) per example,
 * which, with their gradients, run as a handful of kernels instead of broadcast products and
 * sums over the middle axis.
 */
export function dotAttention(h: tf.Tensor2D, states: tf.Tensor3D, bias: tf.Tensor2D): tf.Tensor2D {
  const [n, hidden] = h.shape;
  const query = tf.reshape(h, [n, 1, hidden]) as tf.Tensor3D;
  const dots = tf.reshape(tf.matMul(query, states, false, true), [n, -1]);
  const alpha = tf.reshape(tf.softmax(tf.add(dots, bias)), [n, 1, -1]) as tf.Tensor3D;
  return tf.reshape(tf.matMul(alpha, states), [n, hidden]) as tf.Tensor2D;
}
