/**
 * The models' pieces written for fewer kernels, against the same maths op by op, differentiated by
 * tfjs, on cpu: the LSTM cell and the layer norm with their gradients written out
 * (tasks/lstm-cell.ts, tasks/layer-norm.ts) and dot attention as batched products
 * (tasks/dot-attention.ts).
 */
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/experiments/backend.js';
import { dotAttention } from '../src/experiments/tasks/dot-attention.js';
import { layerNorm } from '../src/experiments/tasks/layer-norm.js';
import { lstmCell } from '../src/experiments/tasks/lstm-cell.js';
import { assertSameGradients, normals, valueAndGradients } from './gradient-check.js';

function cellOpByOp(gates: tf.Tensor2D, c: tf.Tensor2D) {
  const [i, f, g, o] = tf.split(gates, 4, 1);
  const next = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
  return { h: tf.mul(tf.sigmoid(o!), tf.tanh(next)), c: next };
}

function attentionOpByOp(h: tf.Tensor2D, states: tf.Tensor3D, bias: tf.Tensor2D) {
  const scores = tf.add(tf.sum(tf.mul(states, tf.expandDims(h, 1)), 2), bias);
  const alpha = tf.softmax(scores);
  return tf.sum(tf.mul(states, tf.expandDims(alpha, 2)), 1) as tf.Tensor2D;
}

function layerNormOpByOp(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number) {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

describe('model pieces written for fewer kernels', () => {
  it('the LSTM cell: the values and gradients of the cell op by op', async () => {
    await useBackend('cpu');
    const [n, hidden] = [5, 7];
    const [gs, cs] = [normals(1, n * 4 * hidden, 2), normals(2, n * hidden)];
    const [rh, rc] = [normals(3, n * hidden), normals(4, n * hidden)];
    const run = (cell: typeof lstmCell) =>
      valueAndGradients(
        (gates, c) => {
          const out = cell(gates as tf.Tensor2D, c as tf.Tensor2D);
          // Both outputs reach the loss, the way a step's h and c' reach the next step.
          return tf.add(
            tf.sum(tf.mul(tf.square(out.h), tf.tensor2d(rh, [n, hidden]))),
            tf.sum(tf.mul(out.c, tf.tensor2d(rc, [n, hidden]))),
          );
        },
        () => [tf.tensor2d(gs, [n, 4 * hidden]), tf.tensor2d(cs, [n, hidden])],
      );
    assertSameGradients(run(lstmCell), run(cellOpByOp as typeof lstmCell));
  });

  it('the layer norm: the values and gradients of tf.moments and the affine map op by op', async () => {
    await useBackend('cpu');
    const [n, d] = [6, 9];
    const [xs, gs, bs, rs] = [
      normals(5, n * d, 3),
      normals(6, d),
      normals(7, d),
      normals(8, n * d),
    ];
    const run = (norm: typeof layerNorm) =>
      valueAndGradients(
        (x, g, b) =>
          tf.sum(tf.mul(tf.square(norm(x as tf.Tensor2D, g!, b!, 1e-5)), tf.tensor2d(rs, [n, d]))),
        () => [tf.tensor2d(xs, [n, d]), tf.tensor1d(gs), tf.tensor1d(bs)],
      );
    assertSameGradients(run(layerNorm), run(layerNormOpByOp as typeof layerNorm));
  });

  it('dot attention as batched products: the values and gradients of broadcast products and sums', async () => {
    await useBackend('cpu');
    const [n, steps, hidden] = [5, 7, 6];
    const [hs, ss, rs] = [
      normals(9, n * hidden),
      normals(10, n * steps * hidden),
      normals(11, n * hidden),
    ];
    // Pads (-1e9) on the last two steps of every other example.
    const bias = Float32Array.from({ length: n * steps }, (_, k) =>
      Math.floor(k / steps) % 2 === 1 && k % steps >= steps - 2 ? -1e9 : 0,
    );
    const run = (attend: typeof dotAttention) =>
      valueAndGradients(
        (h, states) =>
          tf.sum(
            tf.mul(
              tf.square(
                attend(h as tf.Tensor2D, states as tf.Tensor3D, tf.tensor2d(bias, [n, steps])),
              ),
              tf.tensor2d(rs, [n, hidden]),
            ),
          ),
        () => [tf.tensor2d(hs, [n, hidden]), tf.tensor3d(ss, [n, steps, hidden])],
      );
    assertSameGradients(run(dotAttention), run(attentionOpByOp));
  });
});
