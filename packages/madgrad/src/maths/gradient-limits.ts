import { InvalidOptionError } from './errors.js';
import { effectiveLr, MIRROR_MADGRAD_DEFAULTS, type OptimizerOptions } from './options.js';

/** The largest finite float32, 2^128 − 2^104. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Relative margin kept below an exact overflow bound, so that the float32 rounding of the weight
 * (the WebAssembly kernels round λ to float32 before multiplying) and of the product cannot
 * reach +Infinity at the bound itself.
 */
const MARGIN = 1 - 2 ** -10;

/** The largest float32 that is <= x (x >= 0). */
function float32Below(x: number): number {
  const f = Math.fround(x);
  if (f <= x) return f;
  // fround rounded up: step down one float32 ulp (the bits of a positive float32 are monotonic).
  const bits = new Uint32Array(new Float32Array([f]).buffer);
  bits[0]! -= 1;
  return new Float32Array(bits.buffer)[0]!;
}

/**
 * The largest |g| (a float32) whose square, times `weight`, stays finite in float32 with a
 * small margin: min(sqrt(FLOAT32_MAX / weight), FLOAT32_MAX). Also keeps `weight · |g|` finite
 * where that is larger than 1. A weight of 0 (lr = 0) bounds nothing but finiteness.
 */
export function squareOverflowLimit(weight: number): number {
  if (!(weight > 0)) return FLOAT32_MAX;
  const bound = Math.min(Math.sqrt(FLOAT32_MAX / weight), FLOAT32_MAX / Math.max(weight, 1));
  return Math.min(FLOAT32_MAX, float32Below(bound * MARGIN));
}

/**
 * The largest gradient entry |g| a MADGRAD step at step k accepts: the accumulator update
 * v += λ_k g² (λ_k = (lr + eps)·sqrt(k + 1)) must stay finite in float32, or v becomes +Infinity
 * and the coordinate freezes at x0 for good. About 1.8e20 at the defaults and k = 0, shrinking
 * as k^(-1/4). Coupled weight decay adds wd·x to g before this bound applies.
 */
export function madgradGradientLimit(options: Readonly<OptimizerOptions>, k: number): number {
  return squareOverflowLimit(effectiveLr(options) * Math.sqrt(k + 1));
}

/**
 * The largest |Δz| one MirrorMADGRAD step may make: with |z| <= FLOAT32_MAX / 2 (the state
 * rule, state-limits.ts), the next z is within 3/4 of the float32 range.
 */
export const MIRROR_MOVE_LIMIT = FLOAT32_MAX / 4;

/**
 * The largest gradient entry |g| a MirrorMADGRAD step accepts, the smaller of two bounds:
 * - v = v·sqrt(k/(k+1)) + g² must stay finite in float32: |g| <= about sqrt(FLOAT32_MAX) = 1.8e19;
 * - z moves by lr'·(k+1)^(1/3)·|g| / (cbrt(v') + eps) <= lr'·(k+1)^(1/3)·|g|^(1/3) (v' >= g²),
 *   which must stay within MIRROR_MOVE_LIMIT: |g| <= (FLOAT32_MAX / (4·lr'·(k+1)^(1/3)))³.
 *   This bound binds only for lr' above about 3e31 (at k = 0);
 * - the WebAssembly kernels form lr'·(k+1)^(1/3)·g in float32 before dividing: it must be finite,
 *   |g| <= FLOAT32_MAX / (lr'·(k+1)^(1/3)) (binds only for lr' above about 1.8e19).
 * Without arguments: at the defaults and k = 0.
 */
export function mirrorGradientLimit(
  options: Readonly<OptimizerOptions> = MIRROR_MADGRAD_DEFAULTS,
  k = 0,
): number {
  const square = squareOverflowLimit(1);
  const stepSize = effectiveLr(options) * Math.cbrt(k + 1);
  if (!(stepSize > 0)) return square;
  const move = float32Below((MIRROR_MOVE_LIMIT / stepSize) ** 3 * MARGIN);
  return Math.min(square, move, float32Below((FLOAT32_MAX / stepSize) * MARGIN));
}

/**
 * Refuses a step whose weight, λ_k = lr'·sqrt(k + 1) for MADGRAD or lr'·(k + 1)^(1/3) for
 * MirrorMADGRAD, is beyond float32: the WebAssembly kernels round it to +Infinity, and
 * Infinity·0 is NaN even for a zero gradient. Reached only with lr' above FLOAT32_MAX / sqrt(k + 1).
 */
function checkStepWeight(what: string, weight: number, k: number, lr: number): void {
  if (Number.isFinite(Math.fround(weight))) return;
  throw new InvalidOptionError(
    `step k=${k}: option lr ${lr} gives ${what} = ${weight.toExponential(3)}, beyond float32 (3.403e+38); nothing was changed`,
  );
}

/**
 * The gradient bound of MADGRAD's step k (madgradGradientLimit), for the core and the tfjs
 * optimizer alike; throws an InvalidOptionError when λ_k itself is beyond float32.
 */
export function madgradStepLimit(options: Readonly<OptimizerOptions>, k: number): number {
  const weight = effectiveLr(options) * Math.sqrt(k + 1);
  checkStepWeight('λ_k = (lr + eps)·sqrt(k + 1)', weight, k, options.lr);
  return madgradGradientLimit(options, k);
}

/**
 * The gradient bound of MirrorMADGRAD's step k (mirrorGradientLimit), for the core and the tfjs
 * optimizer alike; throws an InvalidOptionError when the step size is beyond float32.
 */
export function mirrorStepLimit(options: Readonly<OptimizerOptions>, k: number): number {
  const stepSize = effectiveLr(options) * Math.cbrt(k + 1);
  checkStepWeight('the step size (lr + eps)·(k + 1)^(1/3)', stepSize, k, options.lr);
  return mirrorGradientLimit(options, k);
}
