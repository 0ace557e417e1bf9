// A small classifier on two interleaved spirals (data generated here, seeded): a tf.sequential
// model, the crossentropy loss and accuracy. Tune it with
//   npx madgrad-lab tune spirals.mjs --preset quick --out spirals-report
import * as tf from '@tensorflow/tfjs-core';
import * as layers from '@tensorflow/tfjs-layers';
import { defineTask } from 'madgrad-lab';

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
function uniform(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` points of two spirals (classes 0 and 1), one turn each, with noise. */
function spirals(n, seed) {
  const next = uniform(seed);
  const x = [];
  const y = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const r = next();
    const angle = 2 * Math.PI * r + label * Math.PI;
    x.push([
      r * Math.cos(angle) + 0.04 * (next() - 0.5),
      r * Math.sin(angle) + 0.04 * (next() - 0.5),
    ]);
    y.push(label);
  }
  return { x, y };
}

export default defineTask({
  name: 'spirals',
  description: 'two interleaved spirals, a 2-32-32-2 tanh network',
  data: () => ({ train: spirals(512, 1), val: spirals(256, 2), test: spirals(256, 3) }),
  model(seed) {
    const init = (k) => layers.initializers.glorotUniform({ seed: seed * 10 + k });
    return layers.sequential({
      layers: [
        layers.layers.dense({
          inputShape: [2],
          units: 32,
          activation: 'tanh',
          kernelInitializer: init(1),
        }),
        layers.layers.dense({ units: 32, activation: 'tanh', kernelInitializer: init(2) }),
        layers.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(3) }),
      ],
    });
  },
  loss: 'crossentropy',
  metric: { name: 'accuracy', higherIsBetter: true },
  epochs: 40,
  batchSize: 32,
});

// Not used by the task: tf is imported for symmetry with models that build tensors themselves.
void tf;
