import type { CommonOptions, OptimizerSpec } from '../maths/options.js';
import type { StateBuffers, StateProblem } from '../maths/state-limits.js';
import type { StepKernels } from '../maths/step-kernels.js';
import type { SparseRows } from './gradients.js';

/** How a state buffer starts: zeros, or a copy of the parameter at its first gradient. */
export type BufferStart = 'zeros' | 'parameter';

/** Every buffer an update rule may keep, by name, with how it starts. */
export type BufferStarts<B> = { readonly [K in keyof B]-?: BufferStart };

/**
 * One optimizer's update rule, everything `StatefulOptimizer` needs beyond groups, validation
 * and checkpoints: its options, its state buffers (`B`, by name: an optional property is a
 * buffer only some options keep), its step, and the state rule of maths/state-limits.ts.
 */
export interface UpdateRule<O extends CommonOptions, B extends StateBuffers> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  readonly kind: string;
  /** The options: names, defaults, ranges. */
  readonly spec: OptimizerSpec<O>;
  /** Every buffer the rule may keep, with its initial value. */
  readonly buffers: BufferStarts<B>;
  /** The buffers a parameter of a group with these options keeps, in checkpoint order. */
  bufferNames(options: O): readonly string[];
  /**
   * The largest |gradient entry| a step at step `k` accepts for a group with these options:
   * beyond it the float32 state would overflow (see maths/gradient-limits.ts), so the step
   * refuses it like NaN.
   */
  gradientLimit(options: O, k: number): number;
  /**
   * The largest |value| a parameter may hold at its first step, when a buffer starts as the
   * parameter (see maths/state-limits.ts), or null for no bound.
   */
  readonly startingPointLimit: number | null;
  /** The first value of a parameter's loaded state that breaks the state rule, or null. */
  stateProblem(buffers: B, options: O): StateProblem | null;
  /** One dense step of one parameter, `p` and `state` updated in place; `k` the step counter. */
  dense(
    kernels: StepKernels,
    p: Float32Array,
    state: B,
    g: Float32Array,
    options: O,
    k: number,
  ): void;
  /** Why a group with these options refuses row-sparse gradients, or null when it takes them. */
  sparseRefusal(options: O): string | null;
  /** One row-sparse step (rows of `rowLength` values), where `sparseRefusal` gives null. */
  sparse(
    kernels: StepKernels,
    p: Float32Array,
    state: B,
    g: SparseRows,
    rowLength: number,
    options: O,
    k: number,
  ): void;
}
