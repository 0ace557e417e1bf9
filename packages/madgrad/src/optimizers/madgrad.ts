import type { OptimizerOptions } from '../maths/options.js';
import { MADGRAD_RULE, type MadgradState } from './madgrad-rule.js';
import { type OptimizerConfig, StatefulOptimizer } from './optimizer.js';
import type { Parameter, ParameterGroup } from './parameters.js';

/**
 * MADGRAD: a Momentumized, Adaptive, Dual-Averaged GRADient method (Defazio & Jelassi, 2021),
 * with the semantics of the reference `madgrad.MADGRAD` (v1.3). Its update, and where each
 * implementation of it lives, is documented on its rule (`MADGRAD_RULE`, in
 * src/optimizers/madgrad-rule.ts).
 *
 * Practical advice from the paper: the learning rate is not comparable to SGD's or Adam's, so
 * sweep it on a power-of-2 grid (best values ranged from 2.5e-4 on CIFAR-10 to 2.5e-2 on an
 * LSTM); use much less weight decay than for SGD or Adam, often 0; keep SGD's momentum (0.9).
 * For sparse problems (row-sparse gradients) use momentum 0 and weight decay 0.
 *
 * State per parameter: `grad_sum_sq` (v), `s`, and `x0` unless momentum is 0.
 *
 * @example
 * const w = { name: 'w', shape: [3], value: new Float32Array([1, 2, 3]) };
 * const opt = new Madgrad([w], { lr: 1e-2 });
 * opt.step({ w: new Float32Array([0.1, -0.2, 0.3]) });
 */
export class Madgrad extends StatefulOptimizer<OptimizerOptions, MadgradState> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  declare readonly kind: 'madgrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup<OptimizerOptions>[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, MADGRAD_RULE);
  }
}
