import { squareOverflowLimit } from '../../maths/gradient-limits.js';
import { type CommonOptions, type OptimizerSpec, specDefaults } from '../../maths/options.js';
import { boundProblem, FIRST_MOMENT_LIMIT, finiteStateProblem } from '../../maths/state-limits.js';
import { type OptimizerConfig, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';
import type { UpdateRule } from '../update-rule.js';
import { densify } from './densify.js';

/**
 * Adam's options, per parameter group. β₁ was named `momentum` up to version 0.1: that name is
 * still accepted, by the constructor, `setOptions` and in saved states, and read as `beta1`.
 */
export interface AdamOptions extends CommonOptions {
  /**
   * Learning rate, in [0, 3.4e38] (float32).
   * @default 1e-3
   */
  lr: number;
  /**
   * β₁, the decay of the first-moment (gradient) average, in [0, 1).
   * @default 0.9
   */
  readonly beta1: number;
  /**
   * β₂, the decay of the second-moment average, in [0, 1).
   * @default 0.999
   */
  readonly beta2: number;
  /**
   * Weight decay (an L2 penalty added to the gradient, or AdamW's with `decoupleDecay`), >= 0.
   * @default 0
   */
  weightDecay: number;
  /**
   * Added to sqrt(v̂) in the denominator, >= 0.
   * @default 1e-8
   */
  eps: number;
  /**
   * AdamW: decay the weights by lr·weightDecay instead of adding `weightDecay * x` to the gradient.
   * @default false
   */
  decoupleDecay: boolean;
}

/** Adam's options, with PyTorch's defaults; `momentum` is β₁'s former name. */
export const ADAM_SPEC: OptimizerSpec<AdamOptions> = {
  name: 'Adam',
  options: {
    lr: { default: 1e-3, range: 'non-negative', doc: 'learning rate' },
    beta1: { default: 0.9, range: 'fraction', doc: 'β₁, the decay of the first-moment average' },
    beta2: { default: 0.999, range: 'fraction', doc: 'β₂, the decay of the second-moment average' },
    weightDecay: {
      default: 0,
      range: 'non-negative',
      doc: 'L2 penalty added to the gradient (or decoupled: AdamW)',
    },
    eps: { default: 1e-8, range: 'non-negative', doc: 'added to sqrt(v̂) in the denominator' },
    decoupleDecay: {
      default: false,
      range: 'boolean',
      doc: 'AdamW: decay the weights by lr·weightDecay instead of adding weightDecay·x to the gradient',
    },
  },
  renamed: { momentum: 'beta1' },
};

/**
 * Defaults: PyTorch's Adam, `lr` 1e-3, `beta1` 0.9, `beta2` 0.999, `weightDecay` 0, `eps` 1e-8,
 * `decoupleDecay` false.
 */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = specDefaults(ADAM_SPEC);

/** What Adam's constructor takes: its options, `kernels`, and β₁'s former name. */
export type AdamConfig = OptimizerConfig<AdamOptions> & {
  /**
   * β₁'s former name, read as `beta1` (giving both is an error).
   * @deprecated Use `beta1`.
   * @default 0.9
   */
  momentum?: number;
};

/** Adam's state per parameter: the moment averages m and v, both starting at zeros. */
export type AdamState = {
  /** m, the first-moment (gradient) average. */
  exp_avg: Float32Array;
  /** v, the second-moment (squared gradient) average. */
  exp_avg_sq: Float32Array;
};

/** Adam's update rule (see `Adam`). */
export const ADAM_RULE: UpdateRule<AdamOptions, AdamState> = {
  kind: 'adam',
  spec: ADAM_SPEC,
  buffers: { exp_avg: 'zeros', exp_avg_sq: 'zeros' },
  bufferNames() {
    return ['exp_avg', 'exp_avg_sq'];
  },
  /**
   * v = β₂v + (1 − β₂)g² is a convex combination of v and g², so |g| <= sqrt(FLOAT32_MAX) keeps
   * v finite at every step, however many (m, a combination of the g, is then finite too).
   */
  gradientLimit() {
    return squareOverflowLimit(1);
  },
  startingPointLimit: null,
  /**
   * Finite, v >= 0, |m| <= sqrt(FLOAT32_MAX): m is a convex combination of accepted gradients,
   * each below that (see maths/state-limits.ts).
   */
  stateProblem(buffers) {
    return (
      finiteStateProblem(buffers, ['exp_avg_sq']) ??
      boundProblem(buffers, 'exp_avg', FIRST_MOMENT_LIMIT, 'beyond any accepted gradient')
    );
  },
  dense(_kernels, p, state, g, o, k) {
    const m = state.exp_avg;
    const v = state.exp_avg_sq;
    const beta1 = o.beta1;
    const c1 = 1 - beta1 ** (k + 1);
    const c2 = 1 - o.beta2 ** (k + 1);
    const coupled = o.decoupleDecay ? 0 : o.weightDecay;
    const decoupled = o.decoupleDecay ? o.lr * o.weightDecay : 0;
    for (let i = 0; i < p.length; i++) {
      const pi = p[i]!;
      const gi = coupled === 0 ? g[i]! : Math.fround(g[i]! + coupled * pi);
      const mi = Math.fround(beta1 * m[i]! + (1 - beta1) * gi);
      const vi = Math.fround(o.beta2 * v[i]! + (1 - o.beta2) * gi * gi);
      m[i] = mi;
      v[i] = vi;
      // A zero decay adds nothing, even to an infinite parameter (where 0·x would be NaN).
      const next = pi - (o.lr * (mi / c1)) / (Math.sqrt(vi / c2) + o.eps);
      p[i] = decoupled === 0 ? next : next - decoupled * pi;
    }
  },
  sparseRefusal() {
    return null;
  },
  sparse(kernels, p, state, g, rowLength, o, k) {
    ADAM_RULE.dense(kernels, p, state, densify(g, p.length, rowLength), o, k);
  },
};

/**
 * Adam (Kingma & Ba 2015) as PyTorch's `torch.optim.Adam`, or AdamW with `decoupleDecay`, one of
 * the paper's baselines:
 *
 *   g += wd · x (coupled)     m = β₁ m + (1 − β₁) g     v = β₂ v + (1 − β₂) g²
 *   x −= lr · (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + eps)     x −= lr · wd · x_old (AdamW)
 *
 * t = k + 1 is the optimizer's step count (PyTorch counts per parameter; the two differ only for
 * a parameter that skipped steps). State per parameter: `exp_avg` (m), `exp_avg_sq` (v).
 * Row-sparse gradients are applied as the dense gradient with zero rows.
 */
export class Adam extends StatefulOptimizer<AdamOptions, AdamState> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  declare readonly kind: 'adam';

  constructor(
    params:
      | readonly Parameter[]
      | readonly ParameterGroup<AdamOptions & Pick<AdamConfig, 'momentum'>>[],
    config: AdamConfig = {},
  ) {
    super(params, config as OptimizerConfig<AdamOptions>, ADAM_RULE);
  }
}
