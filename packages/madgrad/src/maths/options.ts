import { InvalidOptionError } from './errors.js';
import { quote } from './quote.js';

/**
 * The values an option takes: `non-negative` a finite number in [0, 3.4e38] (float32),
 * `fraction` a number in [0, 1), `boolean`, `positive-or-null` a finite number > 0 or null,
 * a list of strings (one of them), or `custom` (checked by its owner: kernels, learningRate).
 */
export type OptionRange =
  | 'non-negative'
  | 'fraction'
  | 'boolean'
  | 'positive-or-null'
  | readonly string[]
  | 'custom';

/** One option of an optimizer: its default, the values it takes and a one-line doc. */
export interface OptionSpec<T = unknown> {
  readonly default: T;
  readonly range: OptionRange;
  readonly doc: string;
}

/** The options of one optimizer, in the order errors and docs list them. */
export type OptionsSpec<O> = { readonly [K in keyof O]-?: OptionSpec<O[K]> };

/** An optimizer's options spec, with the former names of renamed options. */
export interface OptimizerSpec<O> {
  /** The optimizer, as errors name it. */
  readonly name: string;
  readonly options: OptionsSpec<O>;
  /** Former option names still accepted (and read from saved states), each with its new name. */
  readonly renamed?: Readonly<Record<string, string>>;
}

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

/** The options every optimizer of the library takes: MADGRAD's but momentum. */
export type CommonOptions = Omit<OptimizerOptions, 'momentum'>;

/** MADGRAD's options (reference `madgrad.MADGRAD`, version 1.3). */
export const MADGRAD_SPEC: OptimizerSpec<OptimizerOptions> = {
  name: 'MADGRAD',
  options: {
    lr: {
      default: 1e-2,
      range: 'non-negative',
      doc: 'learning rate; the step uses lr + eps when lr != 0, as the reference',
    },
    momentum: {
      default: 0.9,
      range: 'fraction',
      doc: 'the iterate-averaging weight β; 0 keeps no x0 buffer and accepts row-sparse gradients',
    },
    weightDecay: {
      default: 0,
      range: 'non-negative',
      doc: 'L2 penalty added to the gradient (or decoupled)',
    },
    eps: { default: 1e-6, range: 'non-negative', doc: 'added to the cube-root denominator' },
    decoupleDecay: {
      default: false,
      range: 'boolean',
      doc: 'AdamW-style decay of the weights instead of adding weightDecay·x to the gradient',
    },
  },
};

/** MirrorMADGRAD's options (reference `madgrad.MirrorMADGRAD`): MADGRAD's, but eps = 0. */
export const MIRROR_MADGRAD_SPEC: OptimizerSpec<OptimizerOptions> = {
  name: 'MirrorMADGRAD',
  options: { ...MADGRAD_SPEC.options, eps: { ...MADGRAD_SPEC.options.eps, default: 0 } },
};

/** The defaults of a spec, as a frozen object in the spec's order. */
export function specDefaults<O>(spec: OptimizerSpec<O>): Readonly<O> {
  const entries = Object.entries(spec.options) as [string, OptionSpec][];
  return Object.freeze(Object.fromEntries(entries.map(([name, o]) => [name, o.default]))) as O;
}

/** The option names of a spec, in its order. */
export function optionNames<O>(spec: OptimizerSpec<O>): string[] {
  return Object.keys(spec.options);
}

/**
 * Reference defaults of `madgrad.MADGRAD` (version 1.3): `lr` 1e-2, `momentum` 0.9,
 * `weightDecay` 0, `eps` 1e-6, `decoupleDecay` false.
 */
export const MADGRAD_DEFAULTS: Readonly<OptimizerOptions> = specDefaults(MADGRAD_SPEC);

/**
 * Reference defaults of `madgrad.MirrorMADGRAD`: MADGRAD's but eps, `lr` 1e-2, `momentum` 0.9,
 * `weightDecay` 0, `eps` 0, `decoupleDecay` false.
 */
export const MIRROR_MADGRAD_DEFAULTS: Readonly<OptimizerOptions> =
  specDefaults(MIRROR_MADGRAD_SPEC);

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

/** `"a", "b" or "c"`. */
function orList(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length < 2
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/** Checks one option's value against its range, naming the option and the value. */
export function checkOption(name: string, range: OptionRange, value: unknown, where = ''): unknown {
  const bad = (what: string) =>
    new InvalidOptionError(`${where}option ${name} must be ${what}, got ${quote(value)}`);
  if (range === 'custom') return value;
  if (range === 'boolean') {
    if (typeof value !== 'boolean') throw bad('a boolean');
    return value;
  }
  if (range === 'positive-or-null') {
    if (value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw bad('a finite number > 0 or null');
    }
    return value;
  }
  if (typeof range !== 'string') {
    if (!range.includes(value as string)) throw bad(orList(range));
    return value;
  }
  const n = checkNumber(name, value, where);
  if (range === 'fraction' && !(n >= 0 && n < 1)) {
    throw new InvalidOptionError(`${where}option ${name} must be in [0, 1), got ${n}`);
  }
  if (range === 'non-negative' && n < 0) {
    throw new InvalidOptionError(`${where}option ${name} must be >= 0, got ${n}`);
  }
  return n;
}

/**
 * `options` with the spec's former names replaced by the current ones; throws when an option is
 * given under both names.
 */
export function renameOptions<O>(
  spec: OptimizerSpec<O>,
  options: Readonly<Record<string, unknown>>,
  where = '',
): Record<string, unknown> {
  const renamed: Record<string, unknown> = { ...options };
  for (const [former, name] of Object.entries(spec.renamed ?? {}) as [string, string][]) {
    if (renamed[former] === undefined) {
      delete renamed[former];
      continue;
    }
    if (renamed[name] !== undefined) {
      throw new InvalidOptionError(
        `${where}option ${former} is the former name of ${name}: give ${name} only`,
      );
    }
    renamed[name] = renamed[former];
    delete renamed[former];
  }
  return renamed;
}

/**
 * Merges `partial` over `base` and validates the result against `spec`, naming the offending
 * option and value. Former names (`spec.renamed`) are read as the current ones. Unknown names
 * are rejected, so that a typo (`weight_decay`) cannot pass silently; the error lists the spec's
 * names and `alsoKnown`, the names the caller accepts and has already taken out of `partial`
 * (the constructor's kernels).
 */
export function resolveSpecOptions<O>(
  spec: OptimizerSpec<O>,
  base: Readonly<O>,
  partial: Partial<O> = {},
  where = '',
  alsoKnown: readonly string[] = [],
): O {
  const given = renameOptions(spec, partial as Record<string, unknown>, where);
  const names = optionNames(spec);
  for (const key of Object.keys(given)) {
    if (!names.includes(key) && key !== 'params') {
      throw new InvalidOptionError(
        `${where}unknown option ${quote(key)} (known: ${[...names, ...alsoKnown].join(', ')})`,
      );
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const name of names) {
    const value = given[name] === undefined ? (base as Record<string, unknown>)[name] : given[name];
    const option = (spec.options as Record<string, OptionSpec>)[name]!;
    resolved[name] = checkOption(name, option.range, value, where);
  }
  checkFloat32Products(resolved, where);
  return resolved as O;
}

/**
 * What the steps form from options alone must stay float32: eps must not round to 0 there, and
 * lr' = lr + eps and lr'·weightDecay (decoupled decay) must stay finite.
 */
function checkFloat32Products(o: Record<string, unknown>, where: string): void {
  const eps = typeof o.eps === 'number' ? o.eps : 0;
  // The WebAssembly kernels use eps as a float32: one that rounds to 0 there, but not in the
  // TypeScript loops, would make them divide 0 by 0 where v = 0.
  if (eps > 0 && Math.fround(eps) === 0) {
    throw new InvalidOptionError(
      `${where}option eps is ${eps}, which float32 rounds to 0: use 0 or at least 1.4e-45 (2^-149)`,
    );
  }
  if (typeof o.lr !== 'number') return;
  const lr = o.lr;
  const weightDecay = typeof o.weightDecay === 'number' ? o.weightDecay : 0;
  const lrEffective = lr === 0 ? 0 : lr + eps;
  if (lrEffective > FLOAT32_MAX || lrEffective * weightDecay > FLOAT32_MAX) {
    throw new InvalidOptionError(
      `${where}options lr ${lr}, eps ${eps} and weightDecay ${weightDecay} overflow float32 in lr + eps or (lr + eps)·weightDecay`,
    );
  }
}

/** `resolveSpecOptions` with MADGRAD's spec (its ranges are MirrorMADGRAD's too). */
export function resolveOptions(
  base: Readonly<OptimizerOptions>,
  partial: Partial<OptimizerOptions> = {},
  where = '',
  alsoKnown: readonly string[] = [],
): OptimizerOptions {
  return resolveSpecOptions(MADGRAD_SPEC, base, partial, where, alsoKnown);
}

/** The learning rate the reference actually uses: `lr + eps`, except that 0 stays 0. */
export function effectiveLr(options: Readonly<Pick<OptimizerOptions, 'lr' | 'eps'>>): number {
  return options.lr === 0 ? 0 : options.lr + options.eps;
}
