import * as tf from '@tensorflow/tfjs-core';
import { MADGRAD_DEFAULTS } from '../maths/options.js';
import type { MadgradState } from '../optimizers/madgrad-rule.js';
import { MadgradFamilyOptimizer } from './base-optimizer.js';
import type { LearningRate, TfjsOptimizerConfig } from './config.js';
import { MADGRAD_TFJS_RULE } from './madgrad-rule-ops.js';

/**
 * MADGRAD (Defazio & Jelassi, 2021) as a TensorFlow.js optimizer, with the semantics of the
 * reference `madgrad.MADGRAD` (v1.3): use it with `model.compile`, `minimize` or
 * `applyGradients`. State per variable: `grad_sum_sq`, `s`, and `x0` unless momentum is 0. Its
 * update, in every implementation, is `MADGRAD_TFJS_RULE` (src/tfjs/madgrad-rule-ops.ts) over
 * the core's `MADGRAD_RULE` (src/optimizers/madgrad-rule.ts).
 *
 * @example
 * model.compile({ optimizer: new MadgradOptimizer({ learningRate: 1e-2 }), loss: 'meanSquaredError' });
 */
export class MadgradOptimizer extends MadgradFamilyOptimizer<MadgradState> {
  /** The name this class is registered under for serialization (stable across versions). */
  static readonly className = 'MadgradOptimizer';

  constructor(config: TfjsOptimizerConfig = {}) {
    super(config, MADGRAD_TFJS_RULE);
  }
}

tf.serialization.registerClass(MadgradOptimizer);

/**
 * A MADGRAD optimizer, in the style of `tf.train.adam(...)`.
 *
 * @example
 * const optimizer = madgrad(1e-2, { momentum: 0.9, clipNorm: 1 });
 */
export function madgrad(
  learningRate: LearningRate = MADGRAD_DEFAULTS.lr,
  options: Omit<TfjsOptimizerConfig, 'learningRate'> = {},
): MadgradOptimizer {
  return new MadgradOptimizer({ ...options, learningRate });
}
