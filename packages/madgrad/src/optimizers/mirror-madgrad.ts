import { InternalError, InvalidGradientError } from '../maths/errors.js';
import { mirrorStepLimit } from '../maths/gradient-limits.js';
import { MIRROR_MADGRAD_SPEC, type OptimizerOptions } from '../maths/options.js';
import {
  mirrorStateProblem,
  POSITION_LIMIT,
  type StateBuffers,
  type StateProblem,
} from '../maths/state-limits.js';
import { mirrorScalars } from '../maths/step-kernels.js';
import { type OptimizerConfig, type ParameterSlot, StatefulOptimizer } from './optimizer.js';
import type { Parameter, ParameterGroup } from './parameters.js';

/**
 * MirrorMADGRAD: MADGRAD's weighting and momentum on top of mirror descent instead of dual
 * averaging, with the semantics of the reference `madgrad.MirrorMADGRAD`. It tends to work
 * better where the generalization gap is not the issue (large transformers) and is numerically
 * more stable; on image classification and smaller NLP models prefer `Madgrad`. eps defaults to 0.
 *
 * State per parameter: `grad_sum_sq` (v) and `z`. Dense gradients only: every step rescales all
 * of v by sqrt(k / (k + 1)).
 */
export class MirrorMadgrad extends StatefulOptimizer<OptimizerOptions> {
  readonly kind = 'mirror-madgrad';

  constructor(
    params: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig = {},
  ) {
    super(params, config, MIRROR_MADGRAD_SPEC);
  }

  /**
   * v·sqrt(k/(k+1)) + g² must stay finite, and z move by at most FLOAT32_MAX/4 (see
   * mirrorGradientLimit); the step size lr'·(k + 1)^(1/3) itself must be a finite float32.
   */
  protected override gradientLimit(options: OptimizerOptions, k: number): number {
    return mirrorStepLimit(options, k);
  }

  /** The first step: z starts as the parameter. */
  protected override startingPointLimit(): number {
    return POSITION_LIMIT;
  }

  /** Finite, v >= 0, |z| <= FLOAT32_MAX/2 (see maths/state-limits.ts). */
  protected override stateProblem(buffers: StateBuffers): StateProblem | null {
    return mirrorStateProblem(buffers);
  }

  protected bufferNames(): readonly string[] {
    return ['grad_sum_sq', 'z'];
  }

  protected createState(param: Parameter): Record<string, Float32Array> {
    return { grad_sum_sq: this.newBuffer(param.value.length), z: this.newBuffer(param.value) };
  }

  protected applyDense(
    slot: ParameterSlot,
    g: Float32Array,
    options: OptimizerOptions,
    k: number,
  ): void {
    const state = slot.state!;
    this.kernels.mirrorDense(
      { p: slot.param.value, v: state.grad_sum_sq!, z: state.z! },
      g,
      mirrorScalars(options, k),
    );
  }

  protected applySparse(): void {
    throw new InternalError('unreachable: checkSparseAllowed rejects sparse gradients');
  }

  protected checkSparseAllowed(where: string): void {
    throw new InvalidGradientError(
      `${where}: MirrorMADGRAD takes dense gradients only (each step rescales every coordinate of v); use Madgrad with momentum 0 for row-sparse gradients`,
    );
  }
}
