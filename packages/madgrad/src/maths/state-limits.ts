import { InvalidParameterError, StateFormatError } from './errors.js';
import { FLOAT32_MAX } from './gradient-limits.js';
import { quote } from './quote.js';

/**
 * What optimizer state may hold, one rule for every way state comes in: `loadState`, the tfjs
 * optimizers' `setWeights`, and a tfjs-layers model loaded with its optimizer weights.
 *
 * 1. Every value is finite (a float32, so within ±FLOAT32_MAX).
 * 2. Sums of squares (`grad_sum_sq`, `sum`, `exp_avg_sq`) are >= 0.
 * 3. The state's own share of the next step is at most half the float32 range, so that the next
 *    step, with a gradient the step accepts (gradient-limits.ts), cannot carry finite state to
 *    non-finite parameters:
 *    - points kept as state, MADGRAD's `x0` and MirrorMADGRAD's `z`: |value| <= FLOAT32_MAX / 2;
 *    - MADGRAD's displacement |s| / (cbrt(v) + eps) <= FLOAT32_MAX / 8 (where v = 0 and eps = 0
 *      the denominator taken as cbrt(2^-149), the smallest a step can make it from there);
 *    - SGD's momentum buffer: lr·|b| <= FLOAT32_MAX / 2; Adam's first moment: |m| <= 1.8e19,
 *      sqrt(FLOAT32_MAX), which bounds a convex combination of accepted gradients.
 *
 * Why a rule on loaded state rather than a check inside the step: the next MADGRAD point is
 * z = x0 − s'/(cbrt(v') + eps) with s' = s + λg and v' = v + λg². Since v' >= v and
 * v' >= λg² (accepted: λg² <= FLOAT32_MAX), |s'|/(cbrt(v') + eps) <= |s|/(cbrt(v) + eps) +
 * sqrt(λ)·FLOAT32_MAX^(1/6), and the second term is below 2e29 for any options and k <= 2^48. So
 * |z| <= FLOAT32_MAX/2 + FLOAT32_MAX/8 + 2e29 < FLOAT32_MAX, and x = βx + (1 − β)z, a convex
 * combination, stays finite in double (TypeScript) and float32 (WebAssembly) arithmetic alike.
 * MirrorMADGRAD's gradient bound keeps one step's |Δz| <= lr'·(k + 1)^(1/3)·|g|^(1/3) (v' >= g²)
 * within FLOAT32_MAX / 4 (gradient-limits.ts), so the next z is within 3/4 of the range. The
 * check costs one pass over the state when it is loaded; a check inside the kernels would cost a
 * pass over every buffer at every step (or a second copy to roll back), in both kernel sets.
 *
 * Why an optimizer's own checkpoint keeps to the rule:
 * - The first-step rule: a parameter's first step, which creates x0 (MADGRAD) or z
 *   (MirrorMADGRAD) from its values, refuses values beyond ±POSITION_LIMIT (`startingPointError`).
 *   MADGRAD's x0 never changes after; with momentum 0 it is implied, x + s/(cbrt(v) + eps).
 * - MADGRAD's displacement bound is out of reach: λ_i <= FLOAT32_MAX (a larger step weight is
 *   refused) and v <= FLOAT32_MAX while finite, so by Cauchy–Schwarz |s| <= sqrt(Σλ_i)·sqrt(v)
 *   and |s|/cbrt(v) <= sqrt((k + 1)·FLOAT32_MAX)·FLOAT32_MAX^(1/6) = FLOAT32_MAX^(2/3)·sqrt(k + 1),
 *   about 8.2e32 at k = 2^48 (v underflowing to 0 leaves s below about 1e4: see the floor above).
 * - SGD's gradient bound keeps max(lr, 1)·|b| <= FLOAT32_MAX/2 by induction; Adam's m is a convex
 *   combination of accepted gradients.
 * Two ways out remain, both through accumulation over a run, and both then refused by
 * `loadState` with a message naming the buffer: a run of huge gradients carries an accumulator
 * (`grad_sum_sq`, `sum`) to +Infinity, and a diverging MirrorMADGRAD run drifts z past
 * ±POSITION_LIMIT (each step moves it by up to FLOAT32_MAX/4).
 *
 * What remains outside the rule: coupled weight decay adds wd·x to the gradient after its check,
 * and decoupled decay subtracts lr'·wd·x; with huge parameters and decay either can overflow, as
 * from fresh state. MADGRAD's s sums λ·g: with lr' above about FLOAT32_MAX / Σ sqrt(i + 1) (1e35
 * over 20 steps) s itself can pass float32, and the parameter becomes ±Infinity or NaN.
 */
export const POSITION_LIMIT = FLOAT32_MAX / 2;

/** The largest MADGRAD displacement |s| / (cbrt(v) + eps) state may hold (see POSITION_LIMIT). */
export const DISPLACEMENT_LIMIT = FLOAT32_MAX / 8;

/** The largest |exp_avg| Adam state may hold: sqrt(FLOAT32_MAX), above any accepted gradient. */
export const FIRST_MOMENT_LIMIT = Math.sqrt(FLOAT32_MAX);

/** The smallest nonzero cube-root denominator a step produces: cbrt of the least subnormal. */
const RMS_FLOOR = Math.cbrt(2 ** -149);

/** The first value of a parameter's state that breaks the rule, and why. */
export interface StateProblem {
  readonly buffer: string;
  readonly index: number;
  readonly value: number;
  readonly why: string;
}

/** A parameter's state buffers, by name (every name the optimizer keeps is present). */
export type StateBuffers = Readonly<Record<string, Float32Array>>;

/**
 * Parts 1 and 2 of the rule, for every buffer: finite values, and non-negative values in the
 * buffers named in `sumsOfSquares` (which no step makes negative).
 */
export function finiteStateProblem(
  buffers: StateBuffers,
  sumsOfSquares: readonly string[],
): StateProblem | null {
  for (const buffer of Object.keys(buffers)) {
    const data = buffers[buffer]!;
    const accumulator = sumsOfSquares.includes(buffer);
    for (let i = 0; i < data.length; i++) {
      const value = data[i]!;
      if (value - value !== 0) return { buffer, index: i, value, why: 'is not finite' };
      if (accumulator && value < 0) {
        return { buffer, index: i, value, why: 'is a negative sum of squares' };
      }
    }
  }
  return null;
}

/** |values[i]| <= limit everywhere, or the first entry beyond it. */
export function boundProblem(
  buffers: StateBuffers,
  buffer: string,
  limit: number,
  what: string,
): StateProblem | null {
  const data = buffers[buffer];
  if (!data) return null;
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    if (!(Math.abs(value) <= limit)) {
      return { buffer, index: i, value, why: `is beyond ${limit.toExponential(3)} (${what})` };
    }
  }
  return null;
}

/** The whole rule for MADGRAD state (`grad_sum_sq`, `s`, and `x0` with momentum). */
export function madgradStateProblem(buffers: StateBuffers, eps: number): StateProblem | null {
  const basic = finiteStateProblem(buffers, ['grad_sum_sq']);
  if (basic) return basic;
  const x0 = boundProblem(buffers, 'x0', POSITION_LIMIT, 'a point no run reaches');
  if (x0) return x0;
  const v = buffers.grad_sum_sq!;
  const s = buffers.s!;
  for (let i = 0; i < s.length; i++) {
    // The next step divides by cbrt(v') + eps with v' >= v: by eps alone while v' = 0 (eps > 0),
    // else by at least cbrt(2^-149) + eps; with eps = 0 and v' = 0 it does not divide.
    const denominator = Math.cbrt(v[i]!) + eps;
    const rms = denominator > 0 ? denominator : RMS_FLOOR;
    if (!(Math.abs(s[i]!) / rms <= DISPLACEMENT_LIMIT)) {
      return {
        buffer: 's',
        index: i,
        value: s[i]!,
        why: `gives |s| / (cbrt(grad_sum_sq) + eps) beyond ${DISPLACEMENT_LIMIT.toExponential(3)} with grad_sum_sq = ${v[i]}`,
      };
    }
  }
  return null;
}

/** The whole rule for MirrorMADGRAD state (`grad_sum_sq`, `z`). */
export function mirrorStateProblem(buffers: StateBuffers): StateProblem | null {
  return (
    finiteStateProblem(buffers, ['grad_sum_sq']) ??
    boundProblem(buffers, 'z', POSITION_LIMIT, 'a point no run reaches')
  );
}

/** The StateFormatError for a value that breaks the rule; `what` names the source. */
export function stateRuleError(what: string, owner: string, p: StateProblem): StateFormatError {
  return new StateFormatError(
    `${what} buffer ${p.buffer} of ${quote(owner)} holds ${p.value} at index ${p.index}, which no step produces: it ${p.why}`,
  );
}

/**
 * The first-step rule: a parameter whose values become a point kept as state (MADGRAD's x0,
 * MirrorMADGRAD's z) must lie within ±`limit` (POSITION_LIMIT), or the state its first step
 * creates would break the rule above. `where` names the step and the parameter.
 */
export function startingPointError(
  where: string,
  value: number,
  index: number,
  limit: number,
): InvalidParameterError {
  return new InvalidParameterError(
    `${where} holds ${value} at index ${index}, beyond ±${limit.toExponential(3)} (POSITION_LIMIT, half the float32 range): its first step would start the optimizer's state there, where no checkpoint loads; nothing was changed`,
  );
}
