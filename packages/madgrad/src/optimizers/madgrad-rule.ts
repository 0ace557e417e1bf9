import { madgradStepLimit } from '../maths/gradient-limits.js';
import { MADGRAD_SPEC, type OptimizerOptions } from '../maths/options.js';
import { madgradStateProblem, POSITION_LIMIT } from '../maths/state-limits.js';
import { type MadgradBuffers, madgradRange, madgradScalars } from '../maths/step-kernels.js';
import type { UpdateRule } from './update-rule.js';

/** MADGRAD's state per parameter: v, s, and x0 unless momentum is 0. */
export type MadgradState = {
  /** v = Σ λ_i g_i², starting at zeros. */
  grad_sum_sq: Float32Array;
  /** s = Σ λ_i g_i, starting at zeros. */
  s: Float32Array;
  /** x0, the parameter at its first step; absent with momentum 0 (x0 = x + s/(cbrt(v) + eps)). */
  x0?: Float32Array;
};

/** MADGRAD's rule, with its scalars and reference loop. */
export interface MadgradRule extends UpdateRule<OptimizerOptions, MadgradState> {
  /** The step's scalars at step k: λ_k, lr', and the options. */
  readonly scalars: typeof madgradScalars;
  /** The reference loop over a range of coordinates. */
  readonly reference: typeof madgradRange;
}

/**
 * MADGRAD's update rule (Defazio & Jelassi 2021, eq. 6; the reference `madgrad.MADGRAD` v1.3),
 * with λ_k = lr'·sqrt(k + 1) and lr' = lr + eps (`madgradScalars`):
 *
 *   g  += wd · x                       (coupled decay)
 *   v  += λ_k g²;  s += λ_k g
 *   z   = x0 − s / (cbrt(v) + eps)
 *   x   = β x + (1 − β) z              (momentum β as iterate averaging)
 *   x  −= lr' · wd · x_old             (decoupled decay)
 *
 * The same update is spelled five times, each checked against the reference's golden
 * trajectories: 1 and 2 by packages/madgrad/test/golden.test.ts, 3 to 5 by the lab's
 * conformance engines (tfjs-ops, tfjs-device, browser-webgl, browser-webgpu):
 *
 * 1. TypeScript, the reference loop: `madgradRange` in src/maths/step-kernels.ts (`reference`
 *    here; `jsKernels.madgradDense`, and every row-sparse step).
 * 2. AssemblyScript (WebAssembly SIMD): `madgrad` in src/kernels/assembly/kernels.ts, run by
 *    `createWasmKernels().madgradDense` (src/kernels/wasm-kernels.ts).
 * 3. TensorFlow.js ops: `madgradOps` in src/tfjs/madgrad-rule-ops.ts (`MADGRAD_TFJS_RULE`).
 * 4. WGSL (webgpu, one fused dispatch): `madgradSource` in src/tfjs/webgpu-fused-step.ts.
 * 5. GLSL (webgl, one program per output): `madgradCode` in src/tfjs/webgl-fused-step.ts.
 *
 * The shader variant (which branches each program compiles) and its scalars are built from this
 * rule's scalars by `MADGRAD_TFJS_RULE.fusedVariant`. `Madgrad` (core) and `MadgradOptimizer`
 * (tfjs) are this rule passed to their base classes.
 */
export const MADGRAD_RULE: MadgradRule = {
  kind: 'madgrad',
  spec: MADGRAD_SPEC,
  buffers: { grad_sum_sq: 'zeros', s: 'zeros', x0: 'parameter' },
  /** x0 only with momentum: with momentum 0 it is implied by the state. */
  bufferNames(options) {
    return options.momentum === 0 ? ['grad_sum_sq', 's'] : ['grad_sum_sq', 's', 'x0'];
  },
  scalars: madgradScalars,
  reference: madgradRange,
  /**
   * v += λ_k g² must stay finite: |g| <= sqrt(FLOAT32_MAX / λ_k) (see madgradGradientLimit); λ_k
   * itself must be a finite float32.
   */
  gradientLimit: madgradStepLimit,
  /** The first step: x0 is the parameter (kept as state, or implied with momentum 0). */
  startingPointLimit: POSITION_LIMIT,
  /** Finite, v >= 0, |x0| <= FLOAT32_MAX/2, |s|/(cbrt(v) + eps) <= FLOAT32_MAX/8 (state-limits.ts). */
  stateProblem(buffers, options) {
    return madgradStateProblem(buffers, options.eps);
  },
  dense(kernels, p, state, g, options, k) {
    kernels.madgradDense(madgradBuffers(p, state), g, madgradScalars(options, k));
  },
  /** Row-sparse gradients need momentum 0 and weight decay 0. */
  sparseRefusal(options) {
    if (options.momentum !== 0) {
      return `row-sparse gradients need momentum 0, the group has ${options.momentum}`;
    }
    if (options.weightDecay !== 0) {
      return `row-sparse gradients need weightDecay 0, the group has ${options.weightDecay}`;
    }
    return null;
  },
  sparse(_kernels, p, state, g, rowLength, options, k) {
    // Only the listed rows change: with momentum 0 and no decay, a zero-gradient row keeps v and s,
    // and x = x0 − s/rms = x, so the dense step on the untouched rows is the identity.
    const b = madgradBuffers(p, state);
    const c = madgradScalars(options, k);
    for (let j = 0; j < g.indices.length; j++) {
      madgradRange(b, g.values, c, g.indices[j]! * rowLength, j * rowLength, rowLength);
    }
  },
};

/** The loop's view of a parameter and its state. */
function madgradBuffers(p: Float32Array, state: MadgradState): MadgradBuffers {
  return { p, v: state.grad_sum_sq, s: state.s, x0: state.x0 ?? null };
}
