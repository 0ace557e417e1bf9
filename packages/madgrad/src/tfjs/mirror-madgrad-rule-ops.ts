import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerOptions } from '../maths/options.js';
import { mirrorScalars } from '../maths/step-kernels.js';
import { MIRROR_MADGRAD_RULE, type MirrorMadgradState } from '../optimizers/mirror-madgrad-rule.js';
import { cubeRoot } from './step-scalars.js';
import { fusedSetup, type OpsStepResult, type Tensors, type TfjsRule } from './tfjs-rule.js';

/**
 * MirrorMADGRAD's rule in TensorFlow.js: the core's `MIRROR_MADGRAD_RULE`
 * (src/optimizers/mirror-madgrad-rule.ts, whose comment lists every spelling of the update), with
 * its step in tfjs ops (`mirrorOps`) and its fused shader variant (WGSL in webgpu-fused-step.ts,
 * GLSL in webgl-fused-step.ts).
 */
export const MIRROR_MADGRAD_TFJS_RULE: TfjsRule<MirrorMadgradState> = {
  core: MIRROR_MADGRAD_RULE,
  ops: mirrorOps,
  fusedVariant(options) {
    return fusedSetup('mirror', false, mirrorScalars(options, 0));
  },
  fusedBuffers(slot) {
    return [slot.grad_sum_sq, slot.z, null];
  },
};

/** The same maths as `mirrorRange` of the core, in float32 tfjs ops. */
export function mirrorOps(
  p: tf.Tensor,
  buffers: Tensors<MirrorMadgradState>,
  grad: tf.Tensor,
  options: OptimizerOptions,
  k: number | tf.Scalar,
): OpsStepResult<MirrorMadgradState> {
  const c = mirrorScalars(options, typeof k === 'number' ? k : 0);
  // lr'·(k + 1)^(1/3) and sqrt(k/(k + 1)), from the device's counter on the device path.
  const stepSize = typeof k === 'number' ? c.stepSize : tf.mul(cubeRoot(tf.add(k, 1)), c.lr);
  const ratio = typeof k === 'number' ? c.ratio : tf.sqrt(tf.div(k, tf.add(k, 1)));
  const decay = c.weightDecay !== 0;
  const g = decay && !c.decoupleDecay ? tf.add(grad, tf.mul(p, c.weightDecay)) : grad;
  let z = buffers.z;
  if (decay && c.decoupleDecay) z = tf.sub(z, tf.mul(z, c.lr * c.weightDecay));
  const v = tf.add(tf.mul(buffers.grad_sum_sq, ratio), tf.square(g));
  const rms = tf.add(cubeRoot(v), c.eps);
  // rms = 0 only where v = 0, hence g = 0: z stays (the reference divides 0 by +inf).
  const zNext = tf.where(tf.equal(rms, 0), z, tf.sub(z, tf.div(tf.mul(g, stepSize), rms)));
  const pNext = tf.add(tf.mul(p, c.momentum), tf.mul(zNext, 1 - c.momentum));
  return { p: pNext, buffers: { grad_sum_sq: v, z: zNext } };
}
