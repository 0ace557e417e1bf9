import * as tf from '@tensorflow/tfjs-core';
import { MIRROR_MADGRAD_DEFAULTS } from '../maths/options.js';
import type { MirrorMadgradState } from '../optimizers/mirror-madgrad-rule.js';
import { MadgradFamilyOptimizer } from './base-optimizer.js';
import type { LearningRate, TfjsOptimizerConfig } from './config.js';
import { MIRROR_MADGRAD_TFJS_RULE } from './mirror-madgrad-rule-ops.js';

/**
 * MirrorMADGRAD as a TensorFlow.js optimizer, with the semantics of the reference
 * `madgrad.MirrorMADGRAD`: often better than MADGRAD on large transformers. eps defaults to 0.
 * State per variable: `grad_sum_sq` and `z`. Its update, in every implementation, is
 * `MIRROR_MADGRAD_TFJS_RULE` (src/tfjs/mirror-madgrad-rule-ops.ts) over the core's
 * `MIRROR_MADGRAD_RULE` (src/optimizers/mirror-madgrad-rule.ts).
 */
export class MirrorMadgradOptimizer extends MadgradFamilyOptimizer<MirrorMadgradState> {
  /** The name this class is registered under for serialization (stable across versions). */
  static readonly className = 'MirrorMadgradOptimizer';

  constructor(config: TfjsOptimizerConfig = {}) {
    super(config, MIRROR_MADGRAD_TFJS_RULE);
  }
}

tf.serialization.registerClass(MirrorMadgradOptimizer);

/** A MirrorMADGRAD optimizer, in the style of `tf.train.adam(...)`. */
export function mirrorMadgrad(
  learningRate: LearningRate = MIRROR_MADGRAD_DEFAULTS.lr,
  options: Omit<TfjsOptimizerConfig, 'learningRate'> = {},
): MirrorMadgradOptimizer {
  return new MirrorMadgradOptimizer({ ...options, learningRate });
}
