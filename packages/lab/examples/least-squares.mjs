// A task in the full form, the interface of the lab's built-in tasks: the model computes its own
// loss on a batch (with input noise drawn from the run's seeded generator, an augmentation) and
// its own metrics; the task sets its sizes under each preset and a step-wise learning-rate
// schedule. Tune it with
//   npx madgrad-lab tune least-squares.mjs --preset quick --out least-squares-report
import * as tf from '@tensorflow/tfjs-core';
import { defineTask } from 'madgrad-lab';

const FEATURES = 4;
const TRUE_W = [1.5, -2, 0.5, 3];

/** `n` points y = x·w + noise, from a seeded sine-based sequence (no generator needed). */
function points(n, offset) {
  const x = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const row = TRUE_W.map((_, j) => Math.sin(1.7 * (i + offset) + 2.3 * j));
    x.push(...row);
    y.push(row.reduce((sum, v, j) => sum + v * TRUE_W[j], 0) + 0.05 * Math.cos(7.1 * (i + offset)));
  }
  return { x: tf.tensor2d(x, [n, FEATURES]), y: tf.tensor2d(y, [n, 1]) };
}

const size = (epochs) => ({ train: 256, val: 128, test: 128, epochs, batchSize: 32, width: 0 });
let created = 0;

export default defineTask({
  name: 'least-squares',
  engine: 'tfjs',
  about: {
    mirrors: 'a least-squares fit with noisy inputs',
    data: '256/128/128 generated points, 4 features',
    model: 'one linear map; training inputs get Gaussian noise (σ 0.05)',
  },
  metric: { key: 'mse', label: 'test mean squared error', higherIsBetter: false },
  extraMetrics: [{ key: 'r2', label: 'test R²', higherIsBetter: true }],
  available: { train: 256, val: 128, test: 128 },
  sizes: { smoke: size(2), quick: size(6), standard: size(12), full: size(12) },
  // The rate drops ×10 after half of training and again after three quarters.
  schedule: () => ({ kind: 'stepwise', milestones: [0.5, 0.75], factor: 0.1 }),
  lrCentres: { madgrad: 0.02, adam: 0.01, sgd: 0.05 },
  data: () => ({ train: points(256, 0), val: points(128, 1000), test: points(128, 2000) }),
  model(data, _size, seed) {
    created += 1;
    // tfjs draws an unseeded initialisation for a seed of 0, so the runs' seeds start at 1 here.
    const init = tf.randomNormal([FEATURES, 1], 0, 0.1, 'float32', seed + 1);
    const w = tf.variable(init, true, `least_squares_w_${created}`);
    const predict = (x) => tf.matMul(x, w);
    return {
      variables: [w],
      loss(batch, rng) {
        const i = tf.tensor1d(batch, 'int32');
        const noise = Array.from({ length: batch.length * FEATURES }, () => 0.05 * rng.normal());
        const x = tf.add(tf.gather(data.train.x, i), tf.tensor2d(noise, [batch.length, FEATURES]));
        return tf.losses.meanSquaredError(tf.gather(data.train.y, i), predict(x));
      },
      evaluate(split) {
        const { x, y } = data[split];
        return tf.tidy(() => {
          const mse = tf.losses.meanSquaredError(y, predict(x)).dataSync()[0];
          const variance = tf.moments(y).variance.dataSync()[0];
          return { mse, r2: 1 - mse / variance };
        });
      },
    };
  },
});
