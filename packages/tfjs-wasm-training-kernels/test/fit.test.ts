/**
 * model.fit on wasm with the package imported: a small conv net and an embedding model train,
 * and their first steps' losses equal the cpu backend's from the same seeded weights and data.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  replaceableKernelNames,
  replaceSlowWasmKernels,
  restoreWasmKernels,
} from '../src/index.js';
import { int, readyBackends, seeded, values } from './helpers.js';

const init = (seed: number) => tfl.initializers.glorotUniform({ seed });

function convNet(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: [8, 8, 2],
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  m.add(
    tfl.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      depthMultiplier: 2,
      depthwiseInitializer: init(2),
    }),
  );
  m.add(
    tfl.layers.conv2d({
      filters: 4,
      kernelSize: 2,
      strides: 1,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: init(3),
    }),
  );
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }));
  return m;
}

/** Convolutions of stride 1 and 2 with max pooling: every kernel replaceSlowWasmKernels replaces. */
function pooledConvNet(): tfl.LayersModel {
  const m = tfl.sequential();
  const conv = (filters: number, strides: number, seed: number, inputShape?: number[]) =>
    tfl.layers.conv2d({
      ...(inputShape ? { inputShape } : {}),
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(seed),
    });
  m.add(conv(4, 1, 7, [12, 12, 2]));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(conv(6, 1, 8));
  m.add(conv(6, 2, 9));
  // Overlapping windows, 'same' padding.
  m.add(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(10) }));
  return m;
}

function embeddingNet(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(
    tfl.layers.embedding({
      inputDim: 12,
      outputDim: 6,
      inputLength: 5,
      embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 5 }),
    }),
  );
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(6) }));
  return m;
}

/** Losses of `epochs` full-batch steps of plain SGD on `backend`. */
async function losses(
  backend: 'cpu' | 'wasm',
  build: () => tfl.LayersModel,
  x: () => tf.Tensor,
  labels: Int32Array,
  epochs: number,
): Promise<number[]> {
  await tf.setBackend(backend);
  const model = build();
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  const xs = x();
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const history = await model.fit(xs, ys, {
    epochs,
    batchSize: labels.length,
    shuffle: false,
    verbose: 0,
  });
  tf.dispose([xs, ys]);
  model.dispose();
  return history.history.loss as number[];
}

function checkTraining(cpu: number[], wasm: number[]): void {
  for (let i = 0; i < cpu.length; i++) {
    const e = Math.abs(wasm[i]! - cpu[i]!) / Math.abs(cpu[i]!);
    assert.ok(e <= 1e-4, `step ${i}: wasm loss ${wasm[i]} vs cpu ${cpu[i]}`);
  }
  assert.ok(wasm.every(Number.isFinite));
  assert.ok(
    wasm.at(-1)! < 0.7 * wasm[0]!,
    `loss did not decrease: ${wasm.map((l) => l.toFixed(4))}`,
  );
}

describe('model.fit on wasm', () => {
  before(readyBackends);

  it('trains a small conv net, its first steps matching cpu', async () => {
    const random = seeded(51);
    const pixels = values(random, 16 * 8 * 8 * 2);
    const labels = Int32Array.from({ length: 16 }, () => int(random, 0, 2));
    const x = () => tf.tensor4d(pixels, [16, 8, 8, 2]);
    const cpu = await losses('cpu', convNet, x, labels, 3);
    const wasm = await losses('wasm', convNet, x, labels, 30);
    checkTraining(cpu, wasm);
  });

  it('trains an embedding model, its first steps matching cpu', async () => {
    const random = seeded(52);
    const ids = Float32Array.from({ length: 16 * 5 }, () => int(random, 0, 11));
    const labels = Int32Array.from({ length: 16 }, () => int(random, 0, 2));
    const x = () => tf.tensor2d(ids, [16, 5]);
    const cpu = await losses('cpu', embeddingNet, x, labels, 3);
    const wasm = await losses('wasm', embeddingNet, x, labels, 30);
    checkTraining(cpu, wasm);
  });

  it('trains a pooled conv net with the faster kernels, its first steps matching cpu', async () => {
    const random = seeded(53);
    const pixels = values(random, 16 * 12 * 12 * 2);
    const labels = Int32Array.from({ length: 16 }, () => int(random, 0, 2));
    const x = () => tf.tensor4d(pixels, [16, 12, 12, 2]);
    const cpu = await losses('cpu', pooledConvNet, x, labels, 3);
    assert.deepEqual(replaceSlowWasmKernels(), [...replaceableKernelNames]);
    try {
      const wasm = await losses('wasm', pooledConvNet, x, labels, 30);
      checkTraining(cpu, wasm);
    } finally {
      restoreWasmKernels();
    }
  });
});
