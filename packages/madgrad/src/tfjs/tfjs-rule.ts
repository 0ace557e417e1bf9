import type * as tf from '@tensorflow/tfjs-core';
import type { OptimizerOptions } from '../maths/options.js';
import type { StateBuffers } from '../maths/state-limits.js';
import type { UpdateRule } from '../optimizers/update-rule.js';
import type { FusedStepKernel } from './device-step.js';
import type { Slot } from './state-slots.js';
import { fusedWebGlAvailable, runWebGlFusedStep } from './webgl-fused-step.js';
import { type FusedVariant, recordFusedStep } from './webgpu-fused-step.js';

/** A value per buffer of the state type `B`, as tensors. */
export type Tensors<B> = { [K in keyof B]: tf.Tensor };

/** The new parameter and the new values of the buffers a step changes. */
export interface OpsStepResult<B> {
  readonly p: tf.Tensor;
  readonly buffers: Partial<Tensors<B>>;
}

/** [lr', eps, momentum, weight decay, lr'·weight decay]: the fused programs' uniforms. */
export type FusedScalars = readonly [number, number, number, number, number];

/** A fused step's compiled variant and its scalars. */
export interface FusedSetup {
  readonly variant: FusedVariant;
  readonly scalars: FusedScalars;
}

/** The state variables a fused program updates: v, then s (MADGRAD) or z (MirrorMADGRAD), x0. */
export type FusedBuffers = readonly [tf.Variable, tf.Variable, tf.Variable | null];

/**
 * An update rule in TensorFlow.js: the core's rule (`core`: options, buffers and their initial
 * values, the kernels' step on cpu and wasm, the state rule), plus the same step in tfjs ops and
 * as a fused shader variant for webgpu (WGSL) and webgl (GLSL). `MadgradFamilyOptimizer` runs
 * whichever the backend calls for.
 */
export interface TfjsRule<B extends StateBuffers> {
  readonly core: UpdateRule<OptimizerOptions, B>;
  /**
   * The step in tfjs ops (called inside tidy). `k` is a number on the ops path, the device's
   * float32 step counter on the device path.
   */
  ops(
    p: tf.Tensor,
    buffers: Tensors<B>,
    g: tf.Tensor,
    options: OptimizerOptions,
    k: number | tf.Scalar,
  ): OpsStepResult<B>;
  /** The fused programs' variant and scalars for a step with these options. */
  fusedVariant(options: OptimizerOptions): FusedSetup;
  /** The state variables of a slot, in the order the fused programs take them. */
  fusedBuffers(slot: Slot<B>): FusedBuffers;
}

/**
 * The variant and scalars of a fused step from a step's scalars (`madgradScalars`,
 * `mirrorScalars`): which decay branch and whether the division by cbrt(v) + eps needs a guard
 * (eps not > 0), and the uniforms.
 */
export function fusedSetup(
  kind: FusedVariant['kind'],
  hasX0: boolean,
  c: {
    readonly lr: number;
    readonly eps: number;
    readonly momentum: number;
    readonly weightDecay: number;
    readonly decoupleDecay: boolean;
  },
): FusedSetup {
  const decay = c.weightDecay !== 0;
  return {
    variant: {
      kind,
      hasX0,
      coupled: decay && !c.decoupleDecay,
      decoupled: decay && c.decoupleDecay,
      guarded: !(c.eps > 0),
    },
    scalars: [c.lr, c.eps, c.momentum, c.weightDecay, c.lr * c.weightDecay],
  };
}

/**
 * The step of one variable as fused programs: one WGSL dispatch on webgpu, one GLSL program per
 * output buffer on webgl (`consts` = [ok, scale, k] on the device).
 */
export function fusedStepOf<B extends StateBuffers>(
  rule: TfjsRule<B>,
  options: OptimizerOptions,
): FusedStepKernel {
  const { variant, scalars } = rule.fusedVariant(options);
  const run = fusedWebGlAvailable() ? runWebGlFusedStep : recordFusedStep;
  return (p, slot, g, consts) => {
    const [v, s, x0] = rule.fusedBuffers(slot as Slot<B>);
    run(variant, p, v, s, x0, g, consts, scalars);
  };
}
