/**
 * Whole layers on wasm: the gradient that flows through the new kernels, projected on a random
 * direction, against a central finite difference of the layer's loss on wasm.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '../src/index.js';
import { readyBackends, seeded, values } from './helpers.js';

const EPS = 1e-2;
// The loss is evaluated in float32 on wasm: central differences agree to about 1e-3; an index
// error in a kernel gives errors of order 1.
const TOLERANCE = 5e-3;

/** loss(w) = sum(r * tanh(layer(w))), a smooth scalar of the layer's output. */
function checkLayer(
  name: string,
  layer: (w: tf.Tensor) => tf.Tensor,
  wShape: number[],
  seed: number,
): void {
  const random = seeded(seed);
  tf.tidy(() => {
    const w = tf.tensor(
      values(
        random,
        wShape.reduce((a, b) => a * b),
      ),
      wShape,
    );
    const outShape = layer(w).shape;
    const r = tf.tensor(
      values(
        random,
        outShape.reduce((a, b) => a * b),
      ),
      outShape,
    );
    const loss = (v: tf.Tensor) => tf.sum(tf.mul(r, tf.tanh(layer(v)))) as tf.Scalar;
    const direction = tf.tensor(values(random, w.size), wShape);
    const analytic = tf.sum(tf.mul(tf.grad(loss)(w), direction)).dataSync()[0]!;
    const plus = loss(tf.add(w, tf.mul(direction, EPS))).dataSync()[0]!;
    const minus = loss(tf.sub(w, tf.mul(direction, EPS))).dataSync()[0]!;
    const numeric = (plus - minus) / (2 * EPS);
    const error = Math.abs(analytic - numeric) / Math.max(1, Math.abs(numeric));
    if (process.env.SHOW_FD) console.error(name, analytic, numeric, error);
    assert.ok(error <= TOLERANCE, `${name}: analytic ${analytic}, numeric ${numeric}`);
  });
}

describe('finite differences of whole layers on wasm', () => {
  before(async () => {
    await readyBackends();
    await tf.setBackend('wasm');
  });

  const random = seeded(41);
  const xValues = values(random, 2 * 7 * 6 * 3);
  const x = () => tf.tensor4d(xValues, [2, 7, 6, 3]);
  const filterValues = values(random, 3 * 2 * 3 * 4);
  const filter = () => tf.tensor4d(filterValues, [3, 2, 3, 4]);
  const depthValues = values(random, 3 * 3 * 3 * 2);
  const depthFilter = () => tf.tensor4d(depthValues, [3, 3, 3, 2]);
  const smallValues = values(random, 2 * 3 * 3 * 4);

  it('conv2d, stride 2, same padding: filter and input', () => {
    checkLayer(
      'conv2d filter',
      (w) => tf.conv2d(x(), w as tf.Tensor4D, 2, 'same'),
      [3, 2, 3, 4],
      1,
    );
    checkLayer(
      'conv2d input',
      (v) => tf.conv2d(v as tf.Tensor4D, filter(), 2, 'same'),
      [2, 7, 6, 3],
      2,
    );
  });

  it('conv2d, explicit padding: filter', () => {
    const pad: [[0, 0], [number, number], [number, number], [0, 0]] = [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ];
    checkLayer('conv2d filter', (w) => tf.conv2d(x(), w as tf.Tensor4D, 1, pad), [4, 3, 3, 2], 3);
  });

  it('conv2dTranspose, stride 2: filter', () => {
    const small = tf.tensor4d(smallValues, [2, 3, 3, 4]);
    checkLayer(
      'conv2dTranspose filter',
      (w) => tf.conv2dTranspose(small, w as tf.Tensor4D, [2, 6, 6, 3], 2, 'same'),
      [2, 2, 3, 4],
      4,
    );
  });

  it('depthwiseConv2d, multiplier 2, strides 1 and 2: filter and input', () => {
    for (const stride of [1, 2] as const) {
      checkLayer(
        'depthwise filter',
        (w) => tf.depthwiseConv2d(x(), w as tf.Tensor4D, stride, 'same'),
        [3, 3, 3, 2],
        5,
      );
      checkLayer(
        'depthwise input',
        (v) => tf.depthwiseConv2d(v as tf.Tensor4D, depthFilter(), stride, 'valid'),
        [2, 7, 6, 3],
        6,
      );
    }
  });

  it('gather (an embedding lookup with repeated ids): table', () => {
    const ids = () => tf.tensor1d([3, 0, 3, 5, 1, 3], 'int32');
    checkLayer('gather table', (table) => tf.gather(table, ids()), [6, 4], 7);
    const ids2 = () =>
      tf.tensor2d(
        [
          [1, 2],
          [2, 2],
        ],
        [2, 2],
        'int32',
      );
    checkLayer('gather axis 1', (table) => tf.gather(table, ids2(), 1), [3, 4, 2], 8);
  });
});
