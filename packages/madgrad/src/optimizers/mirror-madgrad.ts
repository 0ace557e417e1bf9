import type { OptimizerOptions } from '../maths/options.js';
import { MIRROR_MADGRAD_RULE, type MirrorMadgradState } from './mirror-madgrad-rule.js';
import { type OptimizerConfig, StatefulOptimizer } from './optimizer.js';
import type { Parameter, ParameterGroup } from './parameters.js';

/**
 * MirrorMADGRAD: MADGRAD's weighting and momentum on top of mirror descent instead of dual
 * averaging, with the semantics of the reference `madgrad.MirrorMADGRAD`. It tends to work
 * better where the generalization gap is not the issue (large transformers) and is numerically
 * more stable; on image classification and smaller NLP models prefer `Madgrad`. eps defaults to 0.
 * Its update, and where each implementation of it lives, is documented on its rule
 * (`MIRROR_MADGRAD_RULE`, in src/optimizers/mirror-madgrad-rule.ts).
 *
 * State per parameter: `grad_sum_sq` (v) and `z`. Dense gradients only: every step rescales all
 * of v by sqrt(k / (k + 1)).
 */
export class MirrorMadgrad extends StatefulOptimizer<OptimizerOptions, MirrorMadgradState> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  declare readonly kind: 'mirror-madgrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup<OptimizerOptions>[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, MIRROR_MADGRAD_RULE);
  }
}
