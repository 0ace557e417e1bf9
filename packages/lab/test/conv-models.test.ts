/**
 * The lab's convolutional models (experiments/models) train on wasm with tfjs-wasm-training-kernels,
 * with its faster kernels (the lab's default backend, `wasm`) and with the backend's own
 * (`wasm-stock`): seeded MADGRAD steps lower the loss, and the losses of the first steps equal the
 * cpu backend's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { madgrad } from 'madgrad/tfjs';
import { replaceableKernelNames, replacedWasmKernels } from 'tfjs-wasm-training-kernels';
import { type BackendName, useBackend } from '../src/experiments/backend.js';
import { Rng } from '../src/experiments/data/rng.js';
import { normaliseByBatch } from '../src/experiments/models/conv-layers.js';
import { type ConvModel, preActivationResNet } from '../src/experiments/models/resnet.js';
import { uNet, upsampleNearest2x } from '../src/experiments/models/unet.js';
import { assertSameGradients, normals, valueAndGradients } from './gradient-check.js';

/** Loss after each of `steps` MADGRAD steps on one fixed batch (the first: before any step). */
async function trainLosses(
  backend: BackendName,
  build: (rng: Rng) => ConvModel,
  loss: (model: ConvModel) => tf.Scalar,
  steps: number,
): Promise<number[]> {
  await useBackend(backend);
  const model = build(new Rng(3));
  const optimizer = madgrad(1e-2);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const value = optimizer.minimize(() => loss(model), true, model.trainable);
    losses.push(value!.dataSync()[0]!);
    value!.dispose();
  }
  optimizer.dispose();
  tf.dispose([...model.trainable, ...model.state]);
  return losses;
}

function images(seed: number, shape: [number, number, number, number]): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal());
}

async function checkTrains(
  build: (rng: Rng) => ConvModel,
  loss: (model: ConvModel) => tf.Scalar,
): Promise<void> {
  const cpu = await trainLosses('cpu', build, loss, 3);
  const stock = await trainLosses('wasm-stock', build, loss, 3);
  const wasm = await trainLosses('wasm', build, loss, 12);
  for (let i = 0; i < cpu.length; i++) {
    for (const [name, losses] of [
      ['wasm', wasm],
      ['wasm-stock', stock],
    ] as const) {
      assert.ok(
        Math.abs(losses[i]! - cpu[i]!) <= 1e-4 * Math.abs(cpu[i]!),
        `${name}, step ${i}: ${losses[i]} vs cpu ${cpu[i]}`,
      );
    }
  }
  assert.ok(wasm.every(Number.isFinite));
  assert.ok(wasm.at(-1)! < 0.8 * wasm[0]!, `loss did not fall: ${wasm.map((l) => l.toFixed(4))}`);
}

describe('batch normalisation by batch statistics', () => {
  it('gives the values and gradients of tf.moments then tf.batchNorm4d, differentiated by tfjs', async () => {
    await useBackend('cpu');
    const shape: [number, number, number, number] = [3, 4, 5, 6];
    const [xs, rs, gs, bs] = [images(11, shape), images(12, shape), normals(13, 6), normals(14, 6)];
    const opByOp = (x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, eps: number) => {
      const m = tf.moments(x, [0, 1, 2]);
      const as1d = (t: tf.Tensor) => t as tf.Tensor1D;
      return tf.batchNorm4d(x, as1d(m.mean), as1d(m.variance), as1d(beta), as1d(gamma), eps);
    };
    const run = (norm: typeof normaliseByBatch) =>
      valueAndGradients(
        (x, g, b) =>
          tf.sum(tf.mul(tf.square(norm(x as tf.Tensor4D, g!, b!, 1e-5)), tf.tensor4d(rs, shape))),
        () => [tf.tensor4d(xs, shape), tf.tensor1d(gs), tf.tensor1d(bs)],
      );
    assertSameGradients(run(normaliseByBatch), run(opByOp));
  });
});

describe('the lab backends', () => {
  it("wasm trains with the faster kernels, wasm-stock with the backend's own", async () => {
    await useBackend('wasm');
    assert.deepEqual(replacedWasmKernels().sort(), [...replaceableKernelNames].sort());
    await useBackend('wasm-stock');
    assert.deepEqual(replacedWasmKernels(), []);
    await useBackend('wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(replacedWasmKernels().length, replaceableKernelNames.length);
  });
});

describe('convolutional models on wasm', () => {
  it('a pre-activation ResNet with batch norm trains', async () => {
    const shape: [number, number, number, number] = [8, 8, 8, 3];
    const pixels = images(1, shape);
    const labels = Int32Array.from({ length: 8 }, (_, i) => i % 3);
    await checkTrains(
      (rng) => preActivationResNet(rng, { input: [8, 8, 3], classes: 3, widths: [4, 8] }),
      (model) => {
        const logits = model.apply(tf.tensor4d(pixels, shape), true);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), logits);
      },
    );
  });

  for (const up of ['transposed', 'upsample'] as const) {
    it(`a U-Net (${up}) trains on an L1 denoising loss`, async () => {
      const shape: [number, number, number, number] = [4, 8, 8, 1];
      const clean = images(2, shape);
      const noisy = clean.map((v, i) => v + 0.5 * Math.sin(i * 1.7));
      await checkTrains(
        (rng) => uNet(rng, { widths: [4, 8], up }),
        (model) =>
          tf.mean(
            tf.abs(tf.sub(model.apply(tf.tensor4d(noisy, shape), true), tf.tensor4d(clean, shape))),
          ),
      );
    });
  }

  it('upsamples like resizeNearestNeighbor', async () => {
    await useBackend('wasm');
    const x = tf.tensor4d(images(4, [2, 3, 4, 2]), [2, 3, 4, 2]);
    const want = tf.image.resizeNearestNeighbor(x, [6, 8]);
    assert.deepEqual(upsampleNearest2x(x).arraySync(), want.arraySync());
    tf.dispose([x, want]);
  });

  it('gives the ResNet logits of the right shape in evaluation mode, and rejects no stages', () => {
    const model = preActivationResNet(new Rng(1), { input: [8, 8, 3], classes: 5 });
    const logits = tf.tidy(() => model.apply(tf.zeros([2, 8, 8, 3]), false));
    assert.deepEqual(logits.shape, [2, 5]);
    tf.dispose([logits, ...model.trainable, ...model.state]);
    assert.throws(
      () => preActivationResNet(new Rng(1), { input: [8, 8, 3], classes: 5, widths: [] }),
      /needs a stage/,
    );
  });
});
