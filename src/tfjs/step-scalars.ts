import * as tf from '@tensorflow/tfjs-core';
import { effectiveLr, type OptimizerOptions } from '../core/options.js';
import type { MadgradScalars, MirrorScalars } from '../core/step-kernels.js';

/** MADGRAD's scalars at step k: λ_k = lr'·sqrt(k + 1) with lr' = lr + eps (0 stays 0). */
export function madgradScalars(options: OptimizerOptions, k: number): MadgradScalars {
  const lr = effectiveLr(options);
  return {
    lamb: lr * Math.sqrt(k + 1),
    lr,
    momentum: options.momentum,
    eps: options.eps,
    weightDecay: options.weightDecay,
    decoupleDecay: options.decoupleDecay,
  };
}

/** MirrorMADGRAD's scalars at step k: step size lr'·(k + 1)^(1/3), v rescaled by sqrt(k/(k + 1)). */
export function mirrorScalars(options: OptimizerOptions, k: number): MirrorScalars {
  const lr = effectiveLr(options);
  return {
    stepSize: lr * Math.cbrt(k + 1),
    ratio: Math.sqrt(k / (k + 1)),
    lr,
    momentum: options.momentum,
    eps: options.eps,
    weightDecay: options.weightDecay,
    decoupleDecay: options.decoupleDecay,
  };
}

/** Cube root of a tensor of values >= 0 (tfjs has no cbrt op). */
export function cubeRoot(x: tf.Tensor): tf.Tensor {
  return tf.pow(x, 1 / 3);
}
