// A linear regression written as a plain loss function over variables: y = x·w + b with badly
// scaled features (0.1 to 10), where each optimizer's good learning rate differs. Tune it with
//   npx madgrad-lab tune regression.mjs --preset quick --out regression-report
import * as tf from '@tensorflow/tfjs-core';
import { defineTask } from 'madgrad-lab';

const FEATURES = 8;

/** A seeded generator of standard normal numbers (mulberry32 and Box-Muller). */
function normal(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Feature j is scaled by 10^(j/(FEATURES-1)·2 − 1): from 0.1 to 10. */
const SCALES = Array.from({ length: FEATURES }, (_, j) => 10 ** ((2 * j) / (FEATURES - 1) - 1));
const TRUE_W = Array.from({ length: FEATURES }, (_, j) => (j % 2 ? 1 : -1) / SCALES[j]);

function split(n, seed) {
  const next = normal(seed);
  const x = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const row = SCALES.map((s) => s * next());
    x.push(row);
    y.push([row.reduce((sum, v, j) => sum + v * TRUE_W[j], 0.5) + 0.1 * next()]);
  }
  return { x, y };
}

export default defineTask({
  name: 'regression',
  description: 'linear regression on 8 features scaled 0.1 to 10',
  data: () => ({ train: split(1024, 11), val: split(256, 12), test: split(256, 13) }),
  model(seed) {
    const next = normal(1000 + seed);
    const w = tf.variable(tf.tensor2d(Array.from({ length: FEATURES }, () => [0.1 * next()])));
    const b = tf.variable(tf.zeros([1]));
    return { variables: { w, b }, predict: (x) => tf.add(tf.matMul(x, w), b) };
  },
  // The loss as a plain function of the targets and the outputs: the mean squared error.
  loss: (y, prediction) => tf.mean(tf.square(tf.sub(prediction, y))),
  metric: {
    name: 'rmse',
    higherIsBetter: false,
    compute: (y, prediction) => Math.sqrt(tf.mean(tf.square(tf.sub(prediction, y))).dataSync()[0]),
  },
  epochs: 10,
  batchSize: 32,
});
