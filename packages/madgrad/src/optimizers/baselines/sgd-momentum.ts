import { type OptimizerOptions, type OptimizerSpec, specDefaults } from '../../maths/options.js';
import { boundProblem, finiteStateProblem, POSITION_LIMIT } from '../../maths/state-limits.js';
import { type OptimizerConfig, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';
import type { UpdateRule } from '../update-rule.js';
import { densify } from './densify.js';

/** SGD's options: PyTorch's SGD with the momentum the paper uses. */
export const SGD_MOMENTUM_SPEC: OptimizerSpec<OptimizerOptions> = {
  name: 'SGD with momentum',
  options: {
    lr: { default: 1e-1, range: 'non-negative', doc: 'learning rate' },
    momentum: { default: 0.9, range: 'fraction', doc: 'heavy-ball momentum μ: b = μ b + g' },
    weightDecay: {
      default: 0,
      range: 'non-negative',
      doc: 'L2 penalty added to the gradient (or decoupled)',
    },
    eps: { default: 0, range: 'non-negative', doc: 'unused by SGD (kept in its checkpoints)' },
    decoupleDecay: {
      default: false,
      range: 'boolean',
      doc: 'SGDW: decay the weights by lr·weightDecay instead of adding weightDecay·x to the gradient',
    },
  },
};

/**
 * Defaults: PyTorch's SGD with the paper's momentum, `lr` 1e-1, `momentum` 0.9, `weightDecay` 0,
 * `decoupleDecay` false (`eps` 0 is unused).
 */
export const SGD_MOMENTUM_DEFAULTS: Readonly<OptimizerOptions> = specDefaults(SGD_MOMENTUM_SPEC);

/** SGD's state per parameter: the momentum buffer b. */
export type SgdMomentumState = {
  /** b = μ b + g, starting at zeros (so b = g at the first step, PyTorch's initialisation). */
  momentum_buffer: Float32Array;
};

/** The update rule of SGD with momentum (see `SgdMomentum`). */
export const SGD_MOMENTUM_RULE: UpdateRule<OptimizerOptions, SgdMomentumState> = {
  kind: 'sgd-momentum',
  spec: SGD_MOMENTUM_SPEC,
  buffers: { momentum_buffer: 'zeros' },
  bufferNames() {
    return ['momentum_buffer'];
  },
  /**
   * b = μb + g: with max(lr, 1)·|b| <= FLOAT32_MAX/2 (the state rule) and
   * |g| <= (1 − μ)·FLOAT32_MAX / (2·max(lr, 1)), b' keeps the rule by induction, so the update
   * lr·b' stays within half the float32 range and the buffer finite at every step.
   */
  gradientLimit(o) {
    const limit = ((1 - o.momentum) * POSITION_LIMIT) / Math.max(o.lr, 1);
    return Math.fround(limit * (1 - 2 ** -10));
  },
  startingPointLimit: null,
  /**
   * Finite, and lr·|b| <= FLOAT32_MAX/2: the buffer's share of the next update x −= lr·(μb + g)
   * stays within half the float32 range (see maths/state-limits.ts).
   */
  stateProblem(buffers, o) {
    const limit = POSITION_LIMIT / Math.max(o.lr, 1);
    return (
      finiteStateProblem(buffers, []) ??
      boundProblem(buffers, 'momentum_buffer', limit, 'lr·|b| beyond half the float32 range')
    );
  },
  dense(_kernels, p, state, g, o) {
    const b = state.momentum_buffer;
    const coupled = o.decoupleDecay ? 0 : o.weightDecay;
    const decoupled = o.decoupleDecay ? o.lr * o.weightDecay : 0;
    for (let i = 0; i < p.length; i++) {
      const pi = p[i]!;
      const gi = coupled === 0 ? g[i]! : Math.fround(g[i]! + coupled * pi);
      const bi = Math.fround(o.momentum * b[i]! + gi);
      b[i] = bi;
      // A zero decay adds nothing, even to an infinite parameter (where 0·x would be NaN).
      const next = pi - o.lr * bi;
      p[i] = decoupled === 0 ? next : next - decoupled * pi;
    }
  },
  sparseRefusal() {
    return null;
  },
  sparse(kernels, p, state, g, rowLength, o, k) {
    SGD_MOMENTUM_RULE.dense(kernels, p, state, densify(g, p.length, rowLength), o, k);
  },
};

/**
 * SGD with heavy-ball momentum as PyTorch's `torch.optim.SGD` (dampening 0, no Nesterov), one of
 * the paper's baselines:
 *
 *   g += wd · x  (coupled decay)        b = μ b + g   (b = g at a parameter's first step)
 *   x −= lr · b                         x −= lr · wd · x_old  (decoupled decay, SGDW)
 *
 * State per parameter: `momentum_buffer`. Row-sparse gradients are applied as the dense gradient
 * with zero rows (momentum moves every row), costing time proportional to the whole table.
 */
export class SgdMomentum extends StatefulOptimizer<OptimizerOptions, SgdMomentumState> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  declare readonly kind: 'sgd-momentum';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup<OptimizerOptions>[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, SGD_MOMENTUM_RULE);
  }
}
