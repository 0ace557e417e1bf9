import { InternalError } from '../maths/errors.js';
import { mirrorStepLimit } from '../maths/gradient-limits.js';
import { MIRROR_MADGRAD_SPEC, type OptimizerOptions } from '../maths/options.js';
import { mirrorStateProblem, POSITION_LIMIT } from '../maths/state-limits.js';
import { mirrorRange, mirrorScalars } from '../maths/step-kernels.js';
import type { UpdateRule } from './update-rule.js';

/** MirrorMADGRAD's state per parameter: v and z. */
export type MirrorMadgradState = {
  /** v, rescaled by sqrt(k/(k + 1)) before each g² is added; starts at zeros. */
  grad_sum_sq: Float32Array;
  /** z, the mirror-descent point; starts as the parameter. */
  z: Float32Array;
};

/** MirrorMADGRAD's rule, with its scalars and reference loop. */
export interface MirrorMadgradRule extends UpdateRule<OptimizerOptions, MirrorMadgradState> {
  /** The step's scalars at step k: the step size, v's rescaling, lr', and the options. */
  readonly scalars: typeof mirrorScalars;
  /** The reference loop over every coordinate. */
  readonly reference: typeof mirrorRange;
}

/**
 * MirrorMADGRAD's update rule (the reference `madgrad.MirrorMADGRAD`): MADGRAD's weighting and
 * momentum on mirror descent instead of dual averaging, with lr' = lr + eps (`mirrorScalars`):
 *
 *   z  *= 1 − lr' · wd                 (decoupled decay, before the step)   or   g += wd · x
 *   v   = v · sqrt(k / (k + 1)) + g²
 *   z  −= lr' (k + 1)^(1/3) · g / (cbrt(v) + eps)
 *   x   = β x + (1 − β) z
 *
 * Dense gradients only: every step rescales all of v. The same update is spelled five times,
 * each checked against the reference's golden trajectories: 1 and 2 by
 * packages/madgrad/test/golden.test.ts, 3 to 5 by the lab's conformance engines (tfjs-ops,
 * tfjs-device, browser-webgl, browser-webgpu):
 *
 * 1. TypeScript, the reference loop: `mirrorRange` in src/maths/step-kernels.ts (`reference`
 *    here; `jsKernels.mirrorDense`).
 * 2. AssemblyScript (WebAssembly SIMD): `mirror` in src/kernels/assembly/kernels.ts, run by
 *    `createWasmKernels().mirrorDense` (src/kernels/wasm-kernels.ts).
 * 3. TensorFlow.js ops: `mirrorOps` in src/tfjs/mirror-madgrad-rule-ops.ts
 *    (`MIRROR_MADGRAD_TFJS_RULE`).
 * 4. WGSL (webgpu, one fused dispatch): `mirrorSource` in src/tfjs/webgpu-fused-step.ts.
 * 5. GLSL (webgl, one program per output): `mirrorCode` in src/tfjs/webgl-fused-step.ts.
 *
 * The shader variant and its scalars are built from this rule's scalars by
 * `MIRROR_MADGRAD_TFJS_RULE.fusedVariant`. `MirrorMadgrad` (core) and `MirrorMadgradOptimizer`
 * (tfjs) are this rule passed to their base classes.
 */
export const MIRROR_MADGRAD_RULE: MirrorMadgradRule = {
  kind: 'mirror-madgrad',
  spec: MIRROR_MADGRAD_SPEC,
  buffers: { grad_sum_sq: 'zeros', z: 'parameter' },
  bufferNames() {
    return ['grad_sum_sq', 'z'];
  },
  scalars: mirrorScalars,
  reference: mirrorRange,
  /**
   * v·sqrt(k/(k+1)) + g² must stay finite, and z move by at most FLOAT32_MAX/4 (see
   * mirrorGradientLimit); the step size lr'·(k + 1)^(1/3) itself must be a finite float32.
   */
  gradientLimit: mirrorStepLimit,
  /** The first step: z starts as the parameter. */
  startingPointLimit: POSITION_LIMIT,
  /** Finite, v >= 0, |z| <= FLOAT32_MAX/2 (see maths/state-limits.ts). */
  stateProblem(buffers) {
    return mirrorStateProblem(buffers);
  },
  dense(kernels, p, state, g, options, k) {
    kernels.mirrorDense({ p, v: state.grad_sum_sq, z: state.z }, g, mirrorScalars(options, k));
  },
  sparseRefusal() {
    return 'MirrorMADGRAD takes dense gradients only (each step rescales every coordinate of v); use Madgrad with momentum 0 for row-sparse gradients';
  },
  sparse() {
    throw new InternalError('unreachable: sparseRefusal rejects sparse gradients');
  },
};
