import * as tf from '@tensorflow/tfjs-core';
import { type Digits, loadDigits } from '../data/digits.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split } from '../data/splits.js';
import type { ConvModel } from '../models/resnet.js';
import { uNet } from '../models/unet.js';
import { defineTask } from './define-task.js';
import { type DigitsData, digitsSplit } from './digits.js';
import { nmse, ssim } from './image-metrics.js';
import { equispacedMask, zeroFilledOperator, zeroFilledRecon } from './kspace-sampling.js';
import type { TfjsTask } from './task.js';
import type { TfModel } from './tf-model.js';

const SIDE = 28;
const PX = SIDE * SIDE;
const ACCELERATION = 4;
const CENTRE_LINES = 4;
/** The SSIM of the zero-filled input itself on the 2,000 test digits: the U-Net's starting point. */
export const ZERO_FILLED_SSIM = 0.633;
const operators = Array.from({ length: ACCELERATION }, (_, o) =>
  zeroFilledOperator(equispacedMask(SIDE, ACCELERATION, CENTRE_LINES, o)),
);
const reconCache = new Map<number, Float32Array>();

/** The network input for digit `index`: its zero-filled reconstruction, offset index mod 4. */
export function zeroFilledInput(data: Digits, index: number): Float32Array {
  let r = reconCache.get(index);
  if (!r) {
    r = zeroFilledRecon(
      operators[index % ACCELERATION]!,
      data.images.subarray(index * PX, (index + 1) * PX),
      SIDE,
    );
    reconCache.set(index, r);
  }
  return r;
}

function stack(data: Digits, indices: readonly number[], input: boolean): Float32Array {
  const out = new Float32Array(indices.length * PX);
  indices.forEach((idx, row) => {
    out.set(
      input ? zeroFilledInput(data, idx) : data.images.subarray(idx * PX, (idx + 1) * PX),
      row * PX,
    );
  });
  return out;
}

/** Images per forward pass when evaluating (bounds the activations' memory). */
const EVAL_CHUNK = 250;

/**
 * A small U-Net (levels of width W and 2W, transposed convolutions up, skip connections) that
 * adds a correction to the zero-filled image, trained with the L1 loss as fastMRI.
 */
class KspaceModel implements TfModel {
  readonly variables: tf.Variable[];
  private readonly net: ConvModel;

  constructor(
    private readonly data: Digits,
    private readonly split: Split,
    width: number,
    seed: number,
  ) {
    this.net = uNet(new Rng(seed), { channels: 1, widths: [width, 2 * width] });
    this.variables = this.net.trainable;
  }

  private predict(indices: readonly number[]): tf.Tensor4D {
    const x = tf.tensor4d(stack(this.data, indices, true), [indices.length, SIDE, SIDE, 1]);
    // Magnitude images are non-negative: the ReLU zeroes the background exactly (SSIM is very
    // sensitive to small errors there).
    return tf.relu(this.net.apply(x, true)) as tf.Tensor4D;
  }

  loss(batch: readonly number[]): tf.Scalar {
    const indices = batch.map((i) => this.split.train[i]!);
    const y = tf.tensor4d(stack(this.data, indices, false), [indices.length, SIDE, SIDE, 1]);
    return tf.mean(tf.abs(tf.sub(this.predict(indices), y)));
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const indices = this.split[which];
    let s = 0;
    let e = 0;
    for (let start = 0; start < indices.length; start += EVAL_CHUNK) {
      const chunk = indices.slice(start, start + EVAL_CHUNK);
      const pred = tf.tidy(() => this.predict(chunk).dataSync());
      chunk.forEach((idx, row) => {
        const target = this.data.images.subarray(idx * PX, (idx + 1) * PX);
        const p = pred.subarray(row * PX, (row + 1) * PX);
        let max = 0;
        for (const v of target) if (v > max) max = v;
        s += ssim(p, target, SIDE, max);
        e += nmse(p, target);
      });
    }
    return { ssim: s / indices.length, nmse: e / indices.length };
  }
}

export const kspaceTask = defineTask<TfjsTask<'kspace', DigitsData>>({
  name: 'kspace',
  engine: 'tfjs',
  about: {
    mirrors: 'fastMRI knee reconstruction',
    data: 'the `mnist` digits as images (same split as `digits`); 4x equispaced k-space lines with offset (image index mod 4) plus 4 centre lines',
    model: `U-Net (levels of width W and 2·W: two 3x3 conv+ReLU each, max-pool down, transposed convolution up, skip connections) adding a correction to the zero-filled inverse DFT magnitude (non-negative output), L1 loss; the zero-filled input itself scores SSIM ${ZERO_FILLED_SSIM} on the test digits`,
  },
  metric: {
    key: 'ssim',
    label: 'test SSIM',
    higherIsBetter: true,
    chance: {
      value: ZERO_FILLED_SSIM,
      means: `SSIM ${ZERO_FILLED_SSIM}, the zero-filled input the U-Net corrects`,
    },
  },
  extraMetrics: [{ key: 'nmse', label: 'test NMSE', higherIsBetter: false }],
  lrCentres: { madgrad: 1e-2, 'mirror-madgrad': 1e-2, sgd: 0.4, adam: 1e-3, adagrad: 1e-2 },
  available: { train: 7000, val: 1000, test: 2000 },
  sizes: {
    smoke: { train: 128, val: 32, test: 32, epochs: 2, batchSize: 32, width: 4 },
    quick: { train: 768, val: 200, test: 300, epochs: 4, batchSize: 64, width: 4 },
    standard: { train: 2048, val: 200, test: 1000, epochs: 8, batchSize: 32, width: 4 },
    full: { train: 7000, val: 1000, test: 2000, epochs: 15, batchSize: 64, width: 16 },
  },
  schedule: () => ({ kind: 'stepwise', milestones: [0.8], factor: 0.1 }),
  data: (size) => ({ digits: loadDigits(), split: limitSplit(digitsSplit(), size) }),
  model: (data, size, seed) => new KspaceModel(data.digits, data.split, size.width, seed),
});
