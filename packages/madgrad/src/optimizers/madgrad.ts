import { InvalidGradientError } from '../maths/errors.js';
import { madgradStepLimit } from '../maths/gradient-limits.js';
import { MADGRAD_SPEC, type OptimizerOptions } from '../maths/options.js';
import {
  madgradStateProblem,
  POSITION_LIMIT,
  type StateBuffers,
  type StateProblem,
} from '../maths/state-limits.js';
import { type MadgradBuffers, madgradRange, madgradScalars } from '../maths/step-kernels.js';
import type { SparseRows } from './gradients.js';
import { type OptimizerConfig, type ParameterSlot, StatefulOptimizer } from './optimizer.js';
import type { Parameter, ParameterGroup } from './parameters.js';

/**
 * MADGRAD: a Momentumized, Adaptive, Dual-Averaged GRADient method (Defazio & Jelassi, 2021),
 * with the semantics of the reference `madgrad.MADGRAD` (v1.3).
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
export class Madgrad extends StatefulOptimizer<OptimizerOptions> {
  readonly kind = 'madgrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, MADGRAD_SPEC);
  }

  /**
   * v += λ_k g² must stay finite: |g| <= sqrt(FLOAT32_MAX / λ_k) (see madgradGradientLimit); λ_k
   * itself must be a finite float32.
   */
  protected override gradientLimit(options: OptimizerOptions, k: number): number {
    return madgradStepLimit(options, k);
  }

  /** The first step: x0 is the parameter (kept as state, or implied with momentum 0). */
  protected override startingPointLimit(): number {
    return POSITION_LIMIT;
  }

  /** Finite, v >= 0, |x0| <= FLOAT32_MAX/2, |s|/(cbrt(v) + eps) <= FLOAT32_MAX/8 (state-limits.ts). */
  protected override stateProblem(
    buffers: StateBuffers,
    options: OptimizerOptions,
  ): StateProblem | null {
    return madgradStateProblem(buffers, options.eps);
  }

  protected bufferNames(options: OptimizerOptions): readonly string[] {
    return options.momentum === 0 ? ['grad_sum_sq', 's'] : ['grad_sum_sq', 's', 'x0'];
  }

  protected createState(param: Parameter, options: OptimizerOptions): Record<string, Float32Array> {
    const n = param.value.length;
    const state: Record<string, Float32Array> = {
      grad_sum_sq: this.newBuffer(n),
      s: this.newBuffer(n),
    };
    if (options.momentum !== 0) state.x0 = this.newBuffer(param.value);
    return state;
  }

  protected applyDense(
    slot: ParameterSlot,
    g: Float32Array,
    options: OptimizerOptions,
    k: number,
  ): void {
    this.kernels.madgradDense(buffersOf(slot), g, madgradScalars(options, k));
  }

  protected applySparse(
    slot: ParameterSlot,
    g: SparseRows,
    rowLength: number,
    options: OptimizerOptions,
    k: number,
  ): void {
    // Only the listed rows change: with momentum 0 and no decay, a zero-gradient row keeps v and s,
    // and x = x0 − s/rms = x, so the dense step on the untouched rows is the identity.
    const b = buffersOf(slot);
    const c = madgradScalars(options, k);
    for (let j = 0; j < g.indices.length; j++) {
      madgradRange(b, g.values, c, g.indices[j]! * rowLength, j * rowLength, rowLength);
    }
  }

  protected checkSparseAllowed(where: string, options: OptimizerOptions): void {
    if (options.momentum !== 0) {
      throw new InvalidGradientError(
        `${where}: row-sparse gradients need momentum 0, the group has ${options.momentum}`,
      );
    }
    if (options.weightDecay !== 0) {
      throw new InvalidGradientError(
        `${where}: row-sparse gradients need weightDecay 0, the group has ${options.weightDecay}`,
      );
    }
  }
}

function buffersOf(slot: ParameterSlot): MadgradBuffers {
  const state = slot.state!;
  return { p: slot.param.value, v: state.grad_sum_sq!, s: state.s!, x0: state.x0 ?? null };
}
