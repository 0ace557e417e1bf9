import { squareOverflowLimit } from '../../maths/gradient-limits.js';
import { type OptimizerOptions, type OptimizerSpec, specDefaults } from '../../maths/options.js';
import { finiteStateProblem } from '../../maths/state-limits.js';
import { type OptimizerConfig, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';
import type { UpdateRule } from '../update-rule.js';

/** AdaGrad's options, with PyTorch's defaults (and an initial accumulator of 0). */
export const ADAGRAD_SPEC: OptimizerSpec<OptimizerOptions> = {
  name: 'AdaGrad',
  options: {
    lr: { default: 1e-2, range: 'non-negative', doc: 'learning rate' },
    momentum: { default: 0, range: 'fraction', doc: 'unused by AdaGrad (kept in its checkpoints)' },
    weightDecay: {
      default: 0,
      range: 'non-negative',
      doc: 'L2 penalty added to the gradient (or decoupled)',
    },
    eps: { default: 1e-10, range: 'non-negative', doc: 'added to sqrt(G) in the denominator' },
    decoupleDecay: {
      default: false,
      range: 'boolean',
      doc: 'decay the weights by lr·weightDecay instead of adding weightDecay·x to the gradient',
    },
  },
};

/**
 * Defaults: PyTorch's AdaGrad, `lr` 1e-2, `weightDecay` 0, `eps` 1e-10, `decoupleDecay` false
 * (initial accumulator 0; `momentum` 0 is unused).
 */
export const ADAGRAD_DEFAULTS: Readonly<OptimizerOptions> = specDefaults(ADAGRAD_SPEC);

/** AdaGrad's state per parameter: the sum of squared gradients G, starting at zeros. */
export type AdagradState = {
  /** G = Σ g². */
  sum: Float32Array;
};

/** AdaGrad's update rule (see `Adagrad`). */
export const ADAGRAD_RULE: UpdateRule<OptimizerOptions, AdagradState> = {
  kind: 'adagrad',
  spec: ADAGRAD_SPEC,
  buffers: { sum: 'zeros' },
  bufferNames() {
    return ['sum'];
  },
  /** The accumulator takes g² unweighted: |g| <= sqrt(FLOAT32_MAX) keeps one step finite. */
  gradientLimit() {
    return squareOverflowLimit(1);
  },
  startingPointLimit: null,
  /** Finite, G >= 0 (see maths/state-limits.ts). */
  stateProblem(buffers) {
    return finiteStateProblem(buffers, ['sum']);
  },
  dense(_kernels, p, state, g, o) {
    adagradRange(p, state.sum, g, o, 0, 0, p.length);
  },
  /** Row-sparse gradients need weight decay 0. */
  sparseRefusal(o) {
    return o.weightDecay !== 0 ? 'row-sparse gradients need weightDecay 0' : null;
  },
  sparse(_kernels, p, state, g, rowLength, o) {
    for (let r = 0; r < g.indices.length; r++) {
      adagradRange(p, state.sum, g.values, o, g.indices[r]! * rowLength, r * rowLength, rowLength);
    }
  },
};

/**
 * AdaGrad (Duchi, Hazan & Singer 2011) as PyTorch's `torch.optim.Adagrad` with no learning-rate
 * decay and a zero initial accumulator, one of the paper's baselines:
 *
 *   g += wd · x  (coupled decay)      G += g²      x −= lr · g / (sqrt(G) + eps)
 *
 * State per parameter: `sum`. Row-sparse gradients update only the rows given (a zero row's
 * update is exactly zero), as PyTorch's sparse AdaGrad; they need weightDecay 0.
 */
export class Adagrad extends StatefulOptimizer<OptimizerOptions, AdagradState> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  declare readonly kind: 'adagrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup<OptimizerOptions>[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, ADAGRAD_RULE);
  }
}

/** AdaGrad on `length` coordinates from `pStart` in p and G and from `gStart` in g. */
function adagradRange(
  p: Float32Array,
  sum: Float32Array,
  g: Float32Array,
  o: OptimizerOptions,
  pStart: number,
  gStart: number,
  length: number,
): void {
  const coupled = o.decoupleDecay ? 0 : o.weightDecay;
  const decoupled = o.decoupleDecay ? o.lr * o.weightDecay : 0;
  for (let j = 0; j < length; j++) {
    const i = pStart + j;
    const pi = p[i]!;
    const gi = coupled === 0 ? g[gStart + j]! : Math.fround(g[gStart + j]! + coupled * pi);
    const si = Math.fround(sum[i]! + gi * gi);
    sum[i] = si;
    // A zero decay adds nothing, even to an infinite parameter (where 0·x would be NaN).
    const next = pi - (o.lr * gi) / (Math.sqrt(si) + o.eps);
    p[i] = decoupled === 0 ? next : next - decoupled * pi;
  }
}
