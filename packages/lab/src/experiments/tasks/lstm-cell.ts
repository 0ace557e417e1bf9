import * as tf from '@tensorflow/tfjs-core';

/**
 * An LSTM cell's update from its gates' pre-activations [n, 4H] (input, forget, cell, output,
 * in that order) and the cell state c [n, H]:
 *   i, f, o = σ(·), g = tanh(·), c' = f·c + i·g, h = o·tanh(c'),
 * with the gradient written out instead of taken op by op (about half the kernels). With
 * a = [i, f, g, o] the activations, the derivative of every gate's activation is
 * (1 - a)·(a + k), k = 1 on g's block and 0 elsewhere: a·(1 - a) for σ, 1 - g² for tanh.
 * Returns h and c'.
 */
export function lstmCell(gates: tf.Tensor2D, c: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D } {
  const hidden = c.shape[1];
  // customGrad passes the inputs, then the function that saves tensors for the gradient.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [pre, state] = args as [tf.Tensor2D, tf.Tensor2D];
    const save = args[2] as tf.GradSaveFunc;
    const [pi, pf, pg, po] = tf.split(pre, 4, 1);
    const [i, fg, g, o] = [tf.sigmoid(pi!), tf.sigmoid(pf!), tf.tanh(pg!), tf.sigmoid(po!)];
    const next = tf.add(tf.mul(fg, state), tf.mul(i, g));
    const squashed = tf.tanh(next);
    const activations = tf.concat([i, fg, g, o], 1);
    save([activations, state, squashed]);
    return {
      value: tf.concat([tf.mul(o, squashed), next], 1),
      gradFunc: (dy, saved) => {
        const [a, cPrev, t] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [ai, af, ag, ao] = tf.split(a, 4, 1);
        const [dh, dcOut] = tf.split(dy as tf.Tensor2D, 2, 1);
        // dc' takes the cell state's own gradient and h's through tanh(c').
        const dNext = tf.add(dcOut!, tf.mul(tf.mul(dh!, ao!), tf.sub(1, tf.square(t))));
        const dActivations = tf.concat(
          [tf.mul(dNext, ag!), tf.mul(dNext, cPrev), tf.mul(dNext, ai!), tf.mul(dh!, t)],
          1,
        );
        const k = tf.tensor1d(new Float32Array(4 * hidden).fill(1, 2 * hidden, 3 * hidden));
        const derivative = tf.mul(tf.sub(1, a), tf.add(a, k));
        return [tf.mul(dActivations, derivative), tf.mul(dNext, af!)];
      },
    };
  });
  const [h, next] = tf.split(f(gates, c) as tf.Tensor2D, 2, 1);
  return { h: h as tf.Tensor2D, c: next as tf.Tensor2D };
}
