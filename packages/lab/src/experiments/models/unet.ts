/**
 * A small U-Net (Ronneberger et al. 2015), the lab's miniature of the paper's fastMRI VarNet
 * backbone: each level two 3x3 conv+ReLU, 2x2 max-pooling down; up by a stride-2 transposed
 * convolution (or nearest-neighbour upsampling and a 3x3 convolution), concatenated with the
 * level's skip connection, two 3x3 conv+ReLU; a 1x1 convolution to the output channels, added to
 * the input (the network learns a residual correction of the zero-filled image).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/rng.js';
import { conv2dLayer, type ModelVariables, upConv2dLayer } from './conv-layers.js';
import type { ConvModel } from './resnet.js';

export interface UNetOptions {
  /** Image channels in and out. @default 1 */
  readonly channels?: number;
  /** Channels at each level, top first; height and width must divide by 2^(levels-1). @default [8, 16] */
  readonly widths?: readonly number[];
  /** How the up path doubles the resolution. @default 'transposed' */
  readonly up?: 'transposed' | 'upsample';
}

/**
 * Nearest-neighbour 2x upsampling as reshapes and tiles. Not tf.image.resizeNearestNeighbor:
 * the cpu backend's gradient of that (ResizeNearestNeighborGrad, tfjs 4.22) is wrong for batches
 * of more than one image, so the two backends would train differently.
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // Rows, then columns (tile's gradient stops at rank 4).
  const rows = tf.tile(tf.reshape(x, [n, h, 1, w * c]), [1, 1, 2, 1]);
  const cols = tf.tile(tf.reshape(rows, [n * h * 2, w, 1, c]), [1, 1, 2, 1]);
  return tf.reshape(cols, [n, h * 2, w * 2, c]);
}

export function uNet(rng: Rng, options: UNetOptions = {}): ConvModel {
  const vars: ModelVariables = { trainable: [], state: [] };
  const channels = options.channels ?? 1;
  const widths = options.widths ?? [8, 16];
  if (widths.length < 2) throw new Error('a U-Net needs at least two levels');
  const pair = (label: string, inC: number, outC: number) => {
    const a = conv2dLayer(vars, rng, `${label}_a`, 3, inC, outC);
    const b = conv2dLayer(vars, rng, `${label}_b`, 3, outC, outC);
    return (x: tf.Tensor4D) => tf.relu(b(tf.relu(a(x))));
  };
  const down = widths.map((w, i) => pair(`down${i}`, i === 0 ? channels : widths[i - 1]!, w));
  const ups = widths.slice(0, -1).map((w, i) => {
    const below = widths[i + 1]!;
    const grow =
      options.up === 'upsample'
        ? (() => {
            const conv = conv2dLayer(vars, rng, `up${i}_conv`, 3, below, w);
            return (x: tf.Tensor4D) => conv(upsampleNearest2x(x));
          })()
        : upConv2dLayer(vars, rng, `up${i}_t`, below, w);
    const merge = pair(`up${i}`, 2 * w, w);
    return (x: tf.Tensor4D, skip: tf.Tensor4D) => merge(tf.concat([grow(x), skip], 3));
  });
  const out = conv2dLayer(vars, rng, 'out', 1, widths[0]!, channels);
  return {
    ...vars,
    apply: (x) => {
      const skips: tf.Tensor4D[] = [];
      let h = x;
      down.forEach((level, i) => {
        h = level(i === 0 ? h : tf.maxPool(h, 2, 2, 'valid'));
        skips.push(h);
      });
      for (let i = ups.length - 1; i >= 0; i--) h = ups[i]!(h, skips[i]!);
      return tf.add(x, out(h));
    },
  };
}
