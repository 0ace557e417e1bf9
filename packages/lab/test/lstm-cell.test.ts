/**
 * The LSTM cell with its gradient written out (tasks/lstm-cell.ts) against the same cell op by op,
 * differentiated by tfjs, on cpu: values and the gradients of both inputs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/experiments/backend.js';
import { Rng } from '../src/experiments/data/rng.js';
import { lstmCell } from '../src/experiments/tasks/lstm-cell.js';

function opByOp(gates: tf.Tensor2D, c: tf.Tensor2D) {
  const [i, f, g, o] = tf.split(gates, 4, 1);
  const next = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
  return { h: tf.mul(tf.sigmoid(o!), tf.tanh(next)), c: next };
}

const normals = (seed: number, n: number, scale = 1) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
};

describe('the LSTM cell with its gradient written out', () => {
  it('gives the values and gradients of the cell op by op, differentiated by tfjs', async () => {
    await useBackend('cpu');
    const [n, hidden] = [5, 7];
    const [gs, cs] = [normals(1, n * 4 * hidden, 2), normals(2, n * hidden)];
    const [rh, rc] = [normals(3, n * hidden), normals(4, n * hidden)];
    const run = (cell: typeof lstmCell) =>
      tf.tidy(() => {
        const f = (gates: tf.Tensor, c: tf.Tensor) => {
          const out = cell(gates as tf.Tensor2D, c as tf.Tensor2D);
          const weightH = tf.tensor2d(rh, [n, hidden]);
          const weightC = tf.tensor2d(rc, [n, hidden]);
          // Both outputs reach the loss, the way a step's h and c' reach the next step.
          return tf.add(tf.sum(tf.mul(tf.square(out.h), weightH)), tf.sum(tf.mul(out.c, weightC)));
        };
        const inputs = [tf.tensor2d(gs, [n, 4 * hidden]), tf.tensor2d(cs, [n, hidden])];
        const { value, grads } = tf.valueAndGrads(f)(inputs);
        return [value.dataSync(), ...grads.map((g) => g.dataSync())];
      });
    const [byHand, auto] = [run(lstmCell), run(opByOp as typeof lstmCell)];
    for (let i = 0; i < auto.length; i++) {
      const scale = Math.max(...Array.from(auto[i]!, Math.abs));
      const gap = Math.max(...Array.from(auto[i]!, (v, k) => Math.abs(v - byHand[i]![k]!)));
      assert.ok(gap <= 1e-5 * scale, `output ${i}: largest gap ${gap} of ${scale}`);
    }
  });
});
