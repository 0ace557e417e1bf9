import * as tf from '@tensorflow/tfjs-core';
import { mirrorStepLimit } from '../maths/gradient-limits.js';
import { MIRROR_MADGRAD_DEFAULTS } from '../maths/options.js';
import {
  mirrorStateProblem,
  POSITION_LIMIT,
  type StateBuffers,
  type StateProblem,
} from '../maths/state-limits.js';
import { mirrorScalars, type StepKernels } from '../maths/step-kernels.js';
import { MadgradFamilyOptimizer } from './base-optimizer.js';
import type { LearningRate, TfjsOptimizerConfig } from './config.js';
import type { FusedStepKernel } from './device-step.js';
import { cubeRoot } from './step-scalars.js';
import { fusedWebGlAvailable, runWebGlFusedStep } from './webgl-fused-step.js';
import { recordFusedStep } from './webgpu-fused-step.js';

/**
 * MirrorMADGRAD as a TensorFlow.js optimizer, with the semantics of the reference
 * `madgrad.MirrorMADGRAD`: often better than MADGRAD on large transformers. eps defaults to 0.
 * State per variable: `grad_sum_sq` and `z`.
 */
export class MirrorMadgradOptimizer extends MadgradFamilyOptimizer {
  /** The name this class is registered under for serialization (stable across versions). */
  static readonly className = 'MirrorMadgradOptimizer';

  constructor(config: TfjsOptimizerConfig = {}) {
    super(config, MIRROR_MADGRAD_DEFAULTS);
  }

  protected bufferNames(): readonly string[] {
    return ['grad_sum_sq', 'z'];
  }

  protected override stateProblem(buffers: StateBuffers): StateProblem | null {
    return mirrorStateProblem(buffers);
  }

  /** The core's bound (mirrorGradientLimit): v stays finite, z moves by at most FLOAT32_MAX/4. */
  protected override gradientLimit(lr: number, k: number): number {
    return mirrorStepLimit({ ...this.options, lr }, k);
  }

  /** z starts as the variable. */
  protected override startingPointLimit(): number {
    return POSITION_LIMIT;
  }

  protected initialBuffer(buffer: string, variable: tf.Variable): tf.Tensor {
    return buffer === 'z' ? variable.clone() : tf.zerosLike(variable);
  }

  protected kernelStep(
    kernels: StepKernels,
    p: Float32Array,
    buffers: Record<string, Float32Array>,
    g: Float32Array,
    lr: number,
    k: number,
  ): void {
    kernels.mirrorDense(
      { p, v: buffers.grad_sum_sq!, z: buffers.z! },
      g,
      mirrorScalars({ ...this.options, lr }, k),
    );
  }

  protected fusedStep(lr: number): FusedStepKernel {
    const c = mirrorScalars({ ...this.options, lr }, 0);
    const decay = c.weightDecay !== 0;
    const variant = {
      kind: 'mirror',
      hasX0: false,
      coupled: decay && !c.decoupleDecay,
      decoupled: decay && c.decoupleDecay,
      guarded: !(c.eps > 0),
    } as const;
    const scalars = [c.lr, c.eps, c.momentum, c.weightDecay, c.lr * c.weightDecay] as const;
    const run = fusedWebGlAvailable() ? runWebGlFusedStep : recordFusedStep;
    return (p, slot, g, consts) =>
      run(variant, p, slot.grad_sum_sq!, slot.z!, null, g, consts, scalars);
  }

  /** The same maths as `mirrorRange` of the core, in float32 tfjs ops. */
  protected opsStep(
    p: tf.Tensor,
    buffers: Record<string, tf.Tensor>,
    grad: tf.Tensor,
    lr: number,
    k: number | tf.Scalar,
  ): { p: tf.Tensor; buffers: Record<string, tf.Tensor> } {
    const c = mirrorScalars({ ...this.options, lr }, typeof k === 'number' ? k : 0);
    // lr'·(k + 1)^(1/3) and sqrt(k/(k + 1)), from the device's counter on the device path.
    const stepSize = typeof k === 'number' ? c.stepSize : tf.mul(cubeRoot(tf.add(k, 1)), c.lr);
    const ratio = typeof k === 'number' ? c.ratio : tf.sqrt(tf.div(k, tf.add(k, 1)));
    const decay = c.weightDecay !== 0;
    const g = decay && !c.decoupleDecay ? tf.add(grad, tf.mul(p, c.weightDecay)) : grad;
    let z = buffers.z!;
    if (decay && c.decoupleDecay) z = tf.sub(z, tf.mul(z, c.lr * c.weightDecay));
    const v = tf.add(tf.mul(buffers.grad_sum_sq!, ratio), tf.square(g));
    const rms = tf.add(cubeRoot(v), c.eps);
    // rms = 0 only where v = 0, hence g = 0: z stays (the reference divides 0 by +inf).
    const zNext = tf.where(tf.equal(rms, 0), z, tf.sub(z, tf.div(tf.mul(g, stepSize), rms)));
    const pNext = tf.add(tf.mul(p, c.momentum), tf.mul(zNext, 1 - c.momentum));
    return { p: pNext, buffers: { grad_sum_sq: v, z: zNext } };
  }
}

tf.serialization.registerClass(MirrorMadgradOptimizer);

/** A MirrorMADGRAD optimizer, in the style of `tf.train.adam(...)`. */
export function mirrorMadgrad(
  learningRate: LearningRate = MIRROR_MADGRAD_DEFAULTS.lr,
  options: Omit<TfjsOptimizerConfig, 'learningRate'> = {},
): MirrorMadgradOptimizer {
  return new MirrorMadgradOptimizer({ ...options, learningRate });
}
