import { InvalidGradientError } from '../../maths/errors.js';
import { squareOverflowLimit } from '../../maths/gradient-limits.js';
import type { OptimizerOptions } from '../../maths/options.js';
import type { SparseRows } from '../gradients.js';
import { type OptimizerConfig, type ParameterSlot, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';

/** Defaults: PyTorch's AdaGrad (lr 1e-2, eps 1e-10, initial accumulator 0); momentum unused. */
export const ADAGRAD_DEFAULTS: Readonly<OptimizerOptions> = Object.freeze({
  lr: 1e-2,
  momentum: 0,
  weightDecay: 0,
  eps: 1e-10,
  decoupleDecay: false,
});

/**
 * AdaGrad (Duchi, Hazan & Singer 2011) as PyTorch's `torch.optim.Adagrad` with no learning-rate
 * decay and a zero initial accumulator, one of the paper's baselines:
 *
 *   g += wd · x  (coupled decay)      G += g²      x −= lr · g / (sqrt(G) + eps)
 *
 * State per parameter: `sum`. Row-sparse gradients update only the rows given (a zero row's
 * update is exactly zero), as PyTorch's sparse AdaGrad; they need weightDecay 0.
 */
export class Adagrad extends StatefulOptimizer {
  readonly kind = 'adagrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, ADAGRAD_DEFAULTS);
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
