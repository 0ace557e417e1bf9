import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerOptions } from '../maths/options.js';
import { madgradScalars } from '../maths/step-kernels.js';
import { MADGRAD_RULE, type MadgradState } from '../optimizers/madgrad-rule.js';
import { cubeRoot } from './step-scalars.js';
import { fusedSetup, type OpsStepResult, type Tensors, type TfjsRule } from './tfjs-rule.js';

/**
 * MADGRAD's rule in TensorFlow.js: the core's `MADGRAD_RULE` (src/optimizers/madgrad-rule.ts,
 * whose comment lists every spelling of the update), with its step in tfjs ops (`madgradOps`)
 * and its fused shader variant (WGSL in webgpu-fused-step.ts, GLSL in webgl-fused-step.ts).
 */
export const MADGRAD_TFJS_RULE: TfjsRule<MadgradState> = {
  core: MADGRAD_RULE,
  ops: madgradOps,
  fusedVariant(options) {
    const c = madgradScalars(options, 0);
    return fusedSetup('madgrad', c.momentum !== 0, c);
  },
  fusedBuffers(slot) {
    return [slot.grad_sum_sq, slot.s, slot.x0 ?? null];
  },
};

/** The same maths as `madgradRange` of the core (eq. 6 of the paper), in float32 tfjs ops. */
export function madgradOps(
  p: tf.Tensor,
  buffers: Tensors<MadgradState>,
  grad: tf.Tensor,
  options: OptimizerOptions,
  k: number | tf.Scalar,
): OpsStepResult<MadgradState> {
  const c = madgradScalars(options, typeof k === 'number' ? k : 0);
  // λ = lr'·sqrt(k + 1), from the device's counter on the device path.
  const lamb = typeof k === 'number' ? c.lamb : tf.mul(tf.sqrt(tf.add(k, 1)), c.lr);
  const v = buffers.grad_sum_sq;
  const s = buffers.s;
  const g = c.weightDecay !== 0 && !c.decoupleDecay ? tf.add(grad, tf.mul(p, c.weightDecay)) : grad;
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
