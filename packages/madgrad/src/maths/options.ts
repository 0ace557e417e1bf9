import { InvalidOptionError } from './errors.js';
import { quote } from './quote.js';

/** Hyperparameters shared by MADGRAD and MirrorMADGRAD, per parameter group. */
export interface OptimizerOptions {
  /**
   * Learning rate, in [0, 3.4e38] (float32). The step uses `lr + eps` when `lr != 0`, as the
   * reference does. The defaults are MADGRAD's; each baseline has its own (`ADAM_DEFAULTS`, ...).
   * @default 1e-2
   */
  lr: number;
  /**
   * Momentum in [0, 1). MADGRAD with momentum 0 keeps no `x0` buffer and accepts sparse rows.
   * @default 0.9
   */
  momentum: number;
  /**
   * Weight decay (an L2 penalty), in [0, 3.4e38] with (lr + eps)·weightDecay in float32 range.
   * MADGRAD usually needs far less than SGD or Adam, often 0.
   * @default 0
   */
  weightDecay: number;
  /**
   * Added to the cube-root denominator, in [0, 3.4e38] with lr + eps in float32 range
   * (MirrorMADGRAD's default is 0).
   * @default 1e-6
   */
  eps: number;
  /**
   * AdamW-style decoupled decay instead of adding `weightDecay * x` to the gradient.
   * @default false
   */
  decoupleDecay: boolean;
}

/** Reference defaults of `madgrad.MADGRAD` (version 1.3). */
export const MADGRAD_DEFAULTS: Readonly<OptimizerOptions> = Object.freeze({
  lr: 1e-2,
  momentum: 0.9,
  weightDecay: 0,
  eps: 1e-6,
  decoupleDecay: false,
});

/** Reference defaults of `madgrad.MirrorMADGRAD`: the same, but eps = 0. */
export const MIRROR_MADGRAD_DEFAULTS: Readonly<OptimizerOptions> = Object.freeze({
  ...MADGRAD_DEFAULTS,
  eps: 0,
});

const OPTION_NAMES = ['lr', 'momentum', 'weightDecay', 'eps', 'decoupleDecay'] as const;

/** The largest finite float32: every option is used as a float32 by the kernels. */
const FLOAT32_MAX = 3.4028234663852886e38;

function checkNumber(name: string, value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidOptionError(
      `${where}option ${name} must be a finite number, got ${quote(value)}`,
    );
  }
  if (Math.abs(value) > FLOAT32_MAX) {
    throw new InvalidOptionError(
      `${where}option ${name} is ${value}, beyond the float32 range (at most ${FLOAT32_MAX}) the steps compute in`,
    );
  }
  return value;
}

/**
 * Merges `partial` over `base` and validates the result, naming the offending option and value.
 * Unknown option names are rejected too, so that a typo (`weight_decay`) cannot pass silently;
 * the error lists the common names and `alsoKnown`, the names the caller accepts and has already
 * taken out of `partial` (Adam's beta2, the constructor's kernels).
 */
export function resolveOptions(
  base: Readonly<OptimizerOptions>,
  partial: Partial<OptimizerOptions> = {},
  where = '',
  alsoKnown: readonly string[] = [],
): OptimizerOptions {
  for (const key of Object.keys(partial)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key) && key !== 'params') {
      throw new InvalidOptionError(
        `${where}unknown option ${quote(key)} (known: ${[...OPTION_NAMES, ...alsoKnown].join(', ')})`,
      );
    }
  }
  const merged = { ...base };
  for (const key of OPTION_NAMES) {
    const value = partial[key];
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const lr = checkNumber('lr', merged.lr, where);
  if (lr < 0) throw new InvalidOptionError(`${where}option lr must be >= 0, got ${lr}`);
  const momentum = checkNumber('momentum', merged.momentum, where);
  if (momentum < 0 || momentum >= 1) {
    throw new InvalidOptionError(`${where}option momentum must be in [0, 1), got ${momentum}`);
  }
  const weightDecay = checkNumber('weightDecay', merged.weightDecay, where);
  if (weightDecay < 0) {
    throw new InvalidOptionError(`${where}option weightDecay must be >= 0, got ${weightDecay}`);
  }
  const eps = checkNumber('eps', merged.eps, where);
  if (eps < 0) throw new InvalidOptionError(`${where}option eps must be >= 0, got ${eps}`);
  // The WebAssembly kernels use eps as a float32: one that rounds to 0 there, but not in the
  // TypeScript loops, would make them divide 0 by 0 where v = 0.
  if (eps > 0 && Math.fround(eps) === 0) {
    throw new InvalidOptionError(
      `${where}option eps is ${eps}, which float32 rounds to 0: use 0 or at least 1.4e-45 (2^-149)`,
    );
  }
  // The products the steps form from options alone must stay float32 too: lr' = lr + eps, and
  // lr'·wd (decoupled decay).
  const lrEffective = lr === 0 ? 0 : lr + eps;
  if (lrEffective > FLOAT32_MAX || lrEffective * weightDecay > FLOAT32_MAX) {
    throw new InvalidOptionError(
      `${where}options lr ${lr}, eps ${eps} and weightDecay ${weightDecay} overflow float32 in lr + eps or (lr + eps)·weightDecay`,
    );
  }
  if (typeof merged.decoupleDecay !== 'boolean') {
    throw new InvalidOptionError(
      `${where}option decoupleDecay must be a boolean, got ${quote(merged.decoupleDecay)}`,
    );
  }
  return { lr, momentum, weightDecay, eps, decoupleDecay: merged.decoupleDecay };
}

/** The learning rate the reference actually uses: `lr + eps`, except that 0 stays 0. */
export function effectiveLr(options: Readonly<OptimizerOptions>): number {
  return options.lr === 0 ? 0 : options.lr + options.eps;
}
