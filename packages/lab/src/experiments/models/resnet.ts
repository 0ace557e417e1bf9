/**
 * A small pre-activation ResNet (He et al. 2016, "Identity mappings in deep residual networks"),
 * the lab's miniature of the paper's CIFAR-10 and ImageNet models: a 3x3 stem, residual stages
 * of BN-ReLU-conv-BN-ReLU-conv blocks (the first block of a later stage halves the resolution,
 * its shortcut a strided 1x1 convolution), a final BN-ReLU, global average pooling, dense logits.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/rng.js';
import { batchNormLayer, conv2dLayer, denseLayer, type ModelVariables } from './conv-layers.js';

export interface ResNetOptions {
  /** Input height, width, channels. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** Channels of each stage; each stage after the first halves height and width. @default [8, 16] */
  readonly widths?: readonly number[];
  /** Residual blocks per stage. @default 1 */
  readonly blocksPerStage?: number;
  /**
   * Stride of the 3x3 stem: 2 halves the resolution before the first stage, as ImageNet ResNets
   * do (CIFAR ResNets keep it, stride 1). @default 1
   */
  readonly stemStride?: number;
}

export interface ConvModel extends ModelVariables {
  /** Logits (ResNet) or the output image (U-Net) for a batch of NHWC inputs. */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor;
}

export function preActivationResNet(rng: Rng, options: ResNetOptions): ConvModel {
  const vars: ModelVariables = { trainable: [], state: [] };
  const widths = options.widths ?? [8, 16];
  const blocks = options.blocksPerStage ?? 1;
  if (widths.length === 0 || blocks < 1) throw new Error('a ResNet needs a stage and a block');
  const stem = conv2dLayer(vars, rng, 'stem', 3, options.input[2], widths[0]!, {
    stride: options.stemStride ?? 1,
  });
  type Block = (x: tf.Tensor4D, training: boolean) => tf.Tensor4D;
  const layers: Block[] = [];
  let channels = widths[0]!;
  widths.forEach((width, stage) => {
    for (let i = 0; i < blocks; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const label = `res${stage}_${i}`;
      const bn1 = batchNormLayer(vars, `${label}_bn1`, channels);
      const conv1 = conv2dLayer(vars, rng, `${label}_conv1`, 3, channels, width, {
        stride,
        bias: false,
      });
      const bn2 = batchNormLayer(vars, `${label}_bn2`, width);
      const conv2 = conv2dLayer(vars, rng, `${label}_conv2`, 3, width, width, { bias: false });
      const projection =
        stride !== 1 || channels !== width
          ? conv2dLayer(vars, rng, `${label}_proj`, 1, channels, width, { stride, bias: false })
          : null;
      layers.push((x, training) => {
        const pre = tf.relu(bn1(x, training));
        const h = conv2(tf.relu(bn2(conv1(pre), training)));
        // Pre-activation: a projection shortcut reads the activated input, identity the raw one.
        return tf.add(h, projection ? projection(pre) : x);
      });
      channels = width;
    }
  });
  const finalBn = batchNormLayer(vars, 'final_bn', channels);
  const head = denseLayer(vars, rng, 'head', channels, options.classes);
  return {
    ...vars,
    apply: (x, training) => {
      let h = stem(x);
      for (const layer of layers) h = layer(h, training);
      const pooled = tf.mean(tf.relu(finalBn(h, training)), [1, 2]) as tf.Tensor2D;
      return head(pooled);
    },
  };
}
