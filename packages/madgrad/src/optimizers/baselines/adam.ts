import { InvalidOptionError } from '../../maths/errors.js';
import { squareOverflowLimit } from '../../maths/gradient-limits.js';
import type { OptimizerOptions } from '../../maths/options.js';
import { quote } from '../../maths/quote.js';
import {
  boundProblem,
  FIRST_MOMENT_LIMIT,
  finiteStateProblem,
  type StateBuffers,
  type StateProblem,
} from '../../maths/state-limits.js';
import type { SparseRows } from '../gradients.js';
import { type OptimizerConfig, type ParameterSlot, StatefulOptimizer } from '../optimizer.js';
import type { Parameter, ParameterGroup } from '../parameters.js';
import { densify } from './densify.js';

/** Adam's options: `momentum` is β₁; `beta2` is the second-moment decay. */
export interface AdamOptions extends OptimizerOptions {
  /**
   * β₂, the decay of the second-moment average, in [0, 1).
   * @default 0.999
   */
  readonly beta2: number;
}

/** Defaults: PyTorch's Adam (lr 1e-3, β₁ 0.9, β₂ 0.999, eps 1e-8). */
export const ADAM_DEFAULTS: Readonly<AdamOptions> = Object.freeze({
  lr: 1e-3,
  momentum: 0.9,
  beta2: 0.999,
  weightDecay: 0,
  eps: 1e-8,
  decoupleDecay: false,
});

/**
 * Adam (Kingma & Ba 2015) as PyTorch's `torch.optim.Adam`, or AdamW with `decoupleDecay`, one of
 * the paper's baselines (`momentum` plays β₁):
 *
 *   g += wd · x (coupled)     m = β₁ m + (1 − β₁) g     v = β₂ v + (1 − β₂) g²
 *   x −= lr · (m / (1 − β₁ᵗ)) / (sqrt(v / (1 − β₂ᵗ)) + eps)     x −= lr · wd · x_old (AdamW)
 *
 * t = k + 1 is the optimizer's step count (PyTorch counts per parameter; the two differ only for
 * a parameter that skipped steps). State per parameter: `exp_avg` (m), `exp_avg_sq` (v).
 * Row-sparse gradients are applied as the dense gradient with zero rows.
 */
export class Adam extends StatefulOptimizer<AdamOptions> {
  readonly kind = 'adam';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig<AdamOptions> = {},
  ) {
    super(params, config, ADAM_DEFAULTS);
  }

  protected override resolveOptions(
    base: Readonly<AdamOptions>,
    partial: Partial<AdamOptions>,
    where = '',
    alsoKnown: readonly string[] = [],
  ): AdamOptions {
    const { beta2 = base.beta2, ...common } = partial;
    if (typeof beta2 !== 'number' || !(beta2 >= 0 && beta2 < 1)) {
      throw new InvalidOptionError(`${where}option beta2 must be in [0, 1), got ${quote(beta2)}`);
    }
    return { ...super.resolveOptions(base, common, where, ['beta2', ...alsoKnown]), beta2 };
  }

  /**
   * v = β₂v + (1 − β₂)g² is a convex combination of v and g², so |g| <= sqrt(FLOAT32_MAX) keeps
   * v finite at every step, however many (m, a combination of the g, is then finite too).
   */
  protected override gradientLimit(): number {
    return squareOverflowLimit(1);
  }

  /**
   * Finite, v >= 0, |m| <= sqrt(FLOAT32_MAX): m is a convex combination of accepted gradients,
   * each below that (see maths/state-limits.ts).
   */
  protected override stateProblem(buffers: StateBuffers): StateProblem | null {
    return (
      finiteStateProblem(buffers) ??
      boundProblem(buffers, 'exp_avg', FIRST_MOMENT_LIMIT, 'beyond any accepted gradient')
    );
  }

  protected bufferNames(): readonly string[] {
    return ['exp_avg', 'exp_avg_sq'];
  }

  protected createState(param: Parameter): Record<string, Float32Array> {
    const n = param.value.length;
    return { exp_avg: this.newBuffer(n), exp_avg_sq: this.newBuffer(n) };
  }

  protected applyDense(slot: ParameterSlot, g: Float32Array, o: AdamOptions, k: number): void {
    const p = slot.param.value;
    const m = slot.state!.exp_avg!;
    const v = slot.state!.exp_avg_sq!;
    const beta1 = o.momentum;
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
  }

  protected applySparse(
    slot: ParameterSlot,
    g: SparseRows,
    rowLength: number,
    o: AdamOptions,
    k: number,
  ): void {
    this.applyDense(slot, densify(g, slot.size, rowLength), o, k);
  }

  protected checkSparseAllowed(): void {}
}
