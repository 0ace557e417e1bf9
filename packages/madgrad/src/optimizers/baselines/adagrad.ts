import { InvalidGradientError } from '../../maths/errors.js';
import { squareOverflowLimit } from '../../maths/gradient-limits.js';
import { type OptimizerOptions, type OptimizerSpec, specDefaults } from '../../maths/options.js';
import type { SparseRows } from '../gradients.js';
import { type OptimizerConfig, type ParameterSlot, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';

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

/**
 * AdaGrad (Duchi, Hazan & Singer 2011) as PyTorch's `torch.optim.Adagrad` with no learning-rate
 * decay and a zero initial accumulator, one of the paper's baselines:
 *
 *   g += wd · x  (coupled decay)      G += g²      x −= lr · g / (sqrt(G) + eps)
 *
 * State per parameter: `sum`. Row-sparse gradients update only the rows given (a zero row's
 * update is exactly zero), as PyTorch's sparse AdaGrad; they need weightDecay 0.
 */
export class Adagrad extends StatefulOptimizer<OptimizerOptions> {
  readonly kind = 'adagrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, ADAGRAD_SPEC);
  }

  /** The accumulator takes g² unweighted: |g| <= sqrt(FLOAT32_MAX) keeps one step finite. */
  protected override gradientLimit(): number {
    return squareOverflowLimit(1);
  }

  protected bufferNames(): readonly string[] {
    return ['sum'];
  }

  protected createState(param: Parameter): Record<string, Float32Array> {
    return { sum: this.newBuffer(param.value.length) };
  }

  protected applyDense(slot: ParameterSlot, g: Float32Array, o: OptimizerOptions): void {
    this.update(slot, g, o, 0, 0, slot.size);
  }

  protected applySparse(
    slot: ParameterSlot,
    g: SparseRows,
    rowLength: number,
    o: OptimizerOptions,
  ): void {
    for (let r = 0; r < g.indices.length; r++) {
      this.update(slot, g.values, o, g.indices[r]! * rowLength, r * rowLength, rowLength);
    }
  }

  protected checkSparseAllowed(where: string, o: OptimizerOptions): void {
    if (o.weightDecay !== 0) {
      throw new InvalidGradientError(`${where}: row-sparse gradients need weightDecay 0`);
    }
  }

  private update(
    slot: ParameterSlot,
    g: Float32Array,
    o: OptimizerOptions,
    pStart: number,
    gStart: number,
    length: number,
  ): void {
    const p = slot.param.value;
    const sum = slot.state!.sum!;
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
}
