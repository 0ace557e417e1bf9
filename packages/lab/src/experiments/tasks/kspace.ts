import * as tf from '@tensorflow/tfjs-core';
import { type Digits, loadDigits } from '../data/digits.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split } from '../data/splits.js';
import { type DigitsData, digitsSplit } from './digits.js';
import { nmse, ssim } from './image-metrics.js';
import { equispacedMask, zeroFilledOperator, zeroFilledRecon } from './kspace-sampling.js';
import type { TfjsTask } from './task.js';
import { glorot, makeVariable, type TfModel } from './tf-model.js';

const SIDE = 28;
const PX = SIDE * SIDE;
const ACCELERATION = 4;
const CENTRE_LINES = 4;
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

/** Residual MLP: image = relu(input + W2·relu(W1·input + b1) + b2), trained with the L1 loss as fastMRI. */
class KspaceModel implements TfModel {
  readonly variables: tf.Variable[];

  constructor(
    private readonly data: Digits,
    private readonly split: Split,
    width: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.variables = [
      makeVariable(glorot(rng, PX, width), [PX, width], 'kspace_w1'),
      makeVariable(new Float32Array(width), [width], 'kspace_b1'),
      makeVariable(glorot(rng, width, PX), [width, PX], 'kspace_w2'),
      makeVariable(new Float32Array(PX), [PX], 'kspace_b2'),
    ];
  }

  private predict(x: tf.Tensor2D): tf.Tensor2D {
    const [w1, b1, w2, b2] = this.variables as unknown as [
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor1D,
    ];
    const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
    // Magnitude images are non-negative: the ReLU zeroes the background exactly (SSIM is very
    // sensitive to small errors there).
    return tf.relu(tf.add(x, tf.add(tf.matMul(h, w2), b2))) as tf.Tensor2D;
  }

  loss(batch: readonly number[]): tf.Scalar {
    const indices = batch.map((i) => this.split.train[i]!);
    const x = tf.tensor2d(stack(this.data, indices, true), [indices.length, PX]);
    const y = tf.tensor2d(stack(this.data, indices, false), [indices.length, PX]);
    return tf.mean(tf.abs(tf.sub(this.predict(x), y)));
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const indices = this.split[which];
    const x = tf.tensor2d(stack(this.data, indices, true), [indices.length, PX]);
    const pred = this.predict(x).dataSync();
    let s = 0;
    let e = 0;
    indices.forEach((idx, row) => {
      const target = this.data.images.subarray(idx * PX, (idx + 1) * PX);
      const p = pred.subarray(row * PX, (row + 1) * PX);
      let max = 0;
      for (const v of target) if (v > max) max = v;
      s += ssim(p, target, SIDE, max);
      e += nmse(p, target);
    });
    return { ssim: s / indices.length, nmse: e / indices.length };
  }
}

export const kspaceTask: TfjsTask<'kspace', DigitsData> = {
  name: 'kspace',
  engine: 'tfjs',
  about: {
    mirrors: 'fastMRI knee reconstruction',
    data: 'the `mnist` digits as images (same split as `digits`); 4x equispaced k-space lines with offset (image index mod 4) plus 4 centre lines',
    model:
      'residual MLP 784-W-784 (non-negative output) on the zero-filled inverse DFT magnitude, L1 loss; the zero-filled input itself scores SSIM 0.636',
  },
  metric: { key: 'ssim', label: 'test SSIM', higherIsBetter: true },
  extraMetrics: [{ key: 'nmse', label: 'test NMSE', higherIsBetter: false }],
  usesWeightDecay: false,
  available: { train: 7000, val: 1000, test: 2000 },
  sizes: {
    smoke: { train: 256, val: 50, test: 50, epochs: 2, batchSize: 64, width: 32 },
    quick: { train: 2000, val: 300, test: 500, epochs: 5, batchSize: 64, width: 256 },
    full: { train: 7000, val: 1000, test: 2000, epochs: 15, batchSize: 64, width: 512 },
  },
  schedule: () => ({ kind: 'stepwise', milestones: [0.8], factor: 0.1 }),
  data: (size) => ({ digits: loadDigits(), split: limitSplit(digitsSplit(), size) }),
  model: (data, size, seed) => new KspaceModel(data.digits, data.split, size.width, seed),
};
