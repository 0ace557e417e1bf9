/**
 * Trains a small TensorFlow.js model with MADGRAD through `model.fit`, with a warmup + cosine
 * learning-rate schedule and gradient clipping, then a custom loop with MirrorMADGRAD; prints the
 * loss falling.
 *
 *   npx tsx packages/madgrad/examples/tfjs-fit.ts [cpu|wasm]   (from the repository, after npm run build)
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { madgrad, mirrorMadgrad, warmupCosine } from 'madgrad/tfjs';

const backend = process.argv[2] ?? 'cpu';
tf.env().set('PROD', true); // quiet: no "install tfjs-node" banner
await tf.setBackend(backend);

// A seeded regression task: y = sin(3 x1) · x2 + noise, 512 points.
let seed = 42;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const n = 512;
const x = Float32Array.from({ length: 2 * n }, () => random() * 2 - 1);
const y = Float32Array.from(
  { length: n },
  (_, i) => Math.sin(3 * x[2 * i]!) * x[2 * i + 1]! + 0.05 * (random() - 0.5),
);
const xs = tf.tensor2d(x, [n, 2]);
const ys = tf.tensor2d(y, [n, 1]);

// 1. model.fit: the schedule is a function of the step (32 batches per epoch here).
const epochs = 20;
const optimizer = madgrad(
  warmupCosine({ peakLr: 2e-2, warmupSteps: 32, decaySteps: epochs * 16, endLr: 1e-3 }),
  { momentum: 0.9, clipNorm: 1 },
);
const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ inputShape: [2], units: 32, activation: 'tanh' }),
    tfl.layers.dense({ units: 32, activation: 'tanh' }),
    tfl.layers.dense({ units: 1 }),
  ],
});
model.compile({ optimizer, loss: 'meanSquaredError' });
console.log(`backend ${tf.getBackend()}, optimizer step: ${optimizer.stepPath}`);
await model.fit(xs, ys, {
  epochs,
  batchSize: 32,
  verbose: 0,
  callbacks: {
    onEpochEnd: async (epoch, logs) => {
      if (epoch % 4 === 3 || epoch === 0) {
        const lr = optimizer.currentLearningRate.toExponential(2);
        console.log(
          `epoch ${String(epoch + 1).padStart(2)}  loss ${logs!.loss!.toFixed(4)}  lr ${lr}`,
        );
      }
    },
  },
});

// 2. A custom loop: tf.variableGrads + applyGradients, MirrorMADGRAD with decoupled decay.
// (tidy disposes the initial values; variables survive it)
const w = tf.tidy(() => tf.variable(tf.randomNormal([2, 1], 0, 1, 'float32', 1), true, 'linear/w'));
const b = tf.tidy(() => tf.variable(tf.zeros([1]), true, 'linear/b'));
const mirror = mirrorMadgrad(5e-2, { weightDecay: 1e-4, decoupleDecay: true });
const loss = () => tf.losses.meanSquaredError(ys, tf.add(tf.matMul(xs, w), b)) as tf.Scalar;
for (let step = 0; step <= 100; step++) {
  const { value, grads } = tf.variableGrads(loss);
  mirror.applyGradients(grads);
  if (step % 25 === 0)
    console.log(`linear fit, step ${step}: loss ${value.dataSync()[0]!.toFixed(4)}`);
  tf.dispose([value, ...Object.values(grads)]);
}

// Everything the optimizers hold is released by dispose().
model.dispose();
optimizer.dispose();
mirror.dispose();
tf.dispose([w, b, xs, ys]);
console.log(`live tensors at the end: ${tf.memory().numTensors}`);
