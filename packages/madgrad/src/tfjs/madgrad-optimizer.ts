import * as tf from '@tensorflow/tfjs-core';
import { madgradStepLimit } from '../maths/gradient-limits.js';
import { MADGRAD_DEFAULTS } from '../maths/options.js';
import {
  madgradStateProblem,
  POSITION_LIMIT,
  type StateBuffers,
  type StateProblem,
} from '../maths/state-limits.js';
import { madgradScalars, type StepKernels } from '../maths/step-kernels.js';
import { MadgradFamilyOptimizer } from './base-optimizer.js';
import type { LearningRate, TfjsOptimizerConfig } from './config.js';
import type { FusedStepKernel } from './device-step.js';
import { cubeRoot } from './step-scalars.js';
import { fusedWebGlAvailable, runWebGlFusedStep } from './webgl-fused-step.js';
import { recordFusedStep } from './webgpu-fused-step.js';

/**
 * MADGRAD (Defazio & Jelassi, 2021) as a TensorFlow.js optimizer, with the semantics of the
 * reference `madgrad.MADGRAD` (v1.3): use it with `model.compile`, `minimize` or
 * `applyGradients`. State per variable: `grad_sum_sq`, `s`, and `x0` unless momentum is 0.
 *
 * @example
 * model.compile({ optimizer: new MadgradOptimizer({ learningRate: 1e-2 }), loss: 'meanSquaredError' });
 */
export class MadgradOptimizer extends MadgradFamilyOptimizer {
  /** The name this class is registered under for serialization (stable across versions). */
  static readonly className = 'MadgradOptimizer';

  constructor(config: TfjsOptimizerConfig = {}) {
    super(config, MADGRAD_DEFAULTS);
  }

  protected bufferNames(): readonly string[] {
    return this.options.momentum === 0 ? ['grad_sum_sq', 's'] : ['grad_sum_sq', 's', 'x0'];
  }

  protected override stateProblem(buffers: StateBuffers): StateProblem | null {
    return madgradStateProblem(buffers, this.options.eps);
  }

  /** The core's bound (madgradGradientLimit), with λ_k a finite float32. */
  protected override gradientLimit(lr: number, k: number): number {
    return madgradStepLimit({ ...this.options, lr }, k);
  }

  /** x0 is the variable at its first step (kept as state, or implied with momentum 0). */
  protected override startingPointLimit(): number {
    return POSITION_LIMIT;
  }

  protected initialBuffer(buffer: string, variable: tf.Variable): tf.Tensor {
    return buffer === 'x0' ? variable.clone() : tf.zerosLike(variable);
  }

  protected kernelStep(
    kernels: StepKernels,
    p: Float32Array,
    buffers: Record<string, Float32Array>,
    g: Float32Array,
    lr: number,
    k: number,
  ): void {
    kernels.madgradDense(
      { p, v: buffers.grad_sum_sq!, s: buffers.s!, x0: buffers.x0 ?? null },
      g,
      madgradScalars({ ...this.options, lr }, k),
    );
  }

  protected fusedStep(lr: number): FusedStepKernel {
    const c = madgradScalars({ ...this.options, lr }, 0);
    const decay = c.weightDecay !== 0;
    const variant = {
      kind: 'madgrad',
      hasX0: c.momentum !== 0,
      coupled: decay && !c.decoupleDecay,
      decoupled: decay && c.decoupleDecay,
      guarded: !(c.eps > 0),
    } as const;
    const scalars = [c.lr, c.eps, c.momentum, c.weightDecay, c.lr * c.weightDecay] as const;
    const run = fusedWebGlAvailable() ? runWebGlFusedStep : recordFusedStep;
    return (p, slot, g, consts) =>
      run(variant, p, slot.grad_sum_sq!, slot.s!, slot.x0 ?? null, g, consts, scalars);
  }

  /** The same maths as `madgradRange` of the core (eq. 6 of the paper), in float32 tfjs ops. */
  protected opsStep(
    p: tf.Tensor,
    buffers: Record<string, tf.Tensor>,
    grad: tf.Tensor,
    lr: number,
    k: number | tf.Scalar,
  ): { p: tf.Tensor; buffers: Record<string, tf.Tensor> } {
    const c = madgradScalars({ ...this.options, lr }, typeof k === 'number' ? k : 0);
    // λ = lr'·sqrt(k + 1), from the device's counter on the device path.
    const lamb = typeof k === 'number' ? c.lamb : tf.mul(tf.sqrt(tf.add(k, 1)), c.lr);
    const v = buffers.grad_sum_sq!;
    const s = buffers.s!;
    const g =
      c.weightDecay !== 0 && !c.decoupleDecay ? tf.add(grad, tf.mul(p, c.weightDecay)) : grad;
    // With momentum 0 there is no x0 buffer: x0 = p + s / (cbrt(v) + eps), or p where that is 0/0.
    let x0: tf.Tensor;
    if (buffers.x0) {
      x0 = buffers.x0;
    } else {
      const rms0 = tf.add(cubeRoot(v), c.eps);
      x0 = tf.where(tf.equal(rms0, 0), p, tf.add(p, tf.div(s, rms0)));
    }
    const vNext = tf.add(v, tf.mul(tf.square(g), lamb));
    const sNext = tf.add(s, tf.mul(g, lamb));
    const rms = tf.add(cubeRoot(vNext), c.eps);
    const z = tf.where(tf.equal(rms, 0), x0, tf.sub(x0, tf.div(sNext, rms)));
    let pNext = tf.add(tf.mul(p, c.momentum), tf.mul(z, 1 - c.momentum));
    if (c.weightDecay !== 0 && c.decoupleDecay) {
      pNext = tf.sub(pNext, tf.mul(p, c.lr * c.weightDecay));
    }
    return { p: pNext, buffers: { grad_sum_sq: vNext, s: sNext } };
  }
}

tf.serialization.registerClass(MadgradOptimizer);

/**
 * A MADGRAD optimizer, in the style of `tf.train.adam(...)`.
 *
 * @example
 * const optimizer = madgrad(1e-2, { momentum: 0.9, clipNorm: 1 });
 */
export function madgrad(
  learningRate: LearningRate = MADGRAD_DEFAULTS.lr,
  options: Omit<TfjsOptimizerConfig, 'learningRate'> = {},
): MadgradOptimizer {
  return new MadgradOptimizer({ ...options, learningRate });
}
