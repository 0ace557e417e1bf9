import { InvalidOptionError } from './errors.js';
import { quote, quoteList } from './quote.js';

/**
 * Learning-rate schedules: pure functions of the step. `schedule(step)` is the learning rate of
 * the update that follows `step` completed updates (step 0 is the first update), the convention
 * of fairseq's `step_update(num_updates)` (its trainer calls `step_update(0)` before the first
 * update) and of optax's `schedule(count)`. Epoch-based use passes the epoch instead.
 *
 * Every schedule carries a plain-data `config`, so optimizers that hold one can be serialized and
 * rebuilt with `scheduleFromConfig`.
 */
export interface Schedule {
  (step: number): number;
  readonly config: ScheduleConfig;
}

/** Options of `stepDecay`. */
export interface StepDecayOptions {
  /** The learning rate before the first boundary, >= 0. */
  lr: number;
  /** The steps (integers >= 0, increasing) from which the rate is multiplied by `factor`. */
  boundaries: readonly number[];
  /**
   * The multiplier applied at each boundary, >= 0.
   * @default 0.1
   */
  factor?: number;
}

/** Options of `inverseSqrt`. */
export interface InverseSqrtOptions {
  /** The peak learning rate, reached at the end of the warmup, >= 0. */
  lr: number;
  /** The warmup length in steps, an integer >= 1. */
  warmupUpdates: number;
  /**
   * The learning rate at step 0, where the warmup starts, >= 0.
   * @default 0
   */
  warmupInitLr?: number;
}

/** Options of `polynomialDecay`. */
export interface PolynomialDecayOptions {
  /** The peak learning rate, reached at the end of the warmup, >= 0. */
  lr: number;
  /**
   * The warmup length in steps, an integer >= 0 (0: no warmup).
   * @default 0
   */
  warmupUpdates?: number;
  /** The step at which the rate reaches `endLr`, an integer > `warmupUpdates`. */
  totalUpdates: number;
  /**
   * The learning rate from `totalUpdates` on, >= 0.
   * @default 0
   */
  endLr?: number;
  /**
   * The exponent of the decay, >= 0 (1: linear).
   * @default 1
   */
  power?: number;
}

/** Options of `warmupCosine`. */
export interface WarmupCosineOptions {
  /** The learning rate at the end of the warmup, >= 0. */
  peakLr: number;
  /** The warmup length in steps, an integer >= 0. */
  warmupSteps: number;
  /** The step at which the rate reaches `endLr`, warmup included, an integer > `warmupSteps`. */
  decaySteps: number;
  /**
   * The learning rate at step 0, where the warmup starts, >= 0.
   * @default 0
   */
  initLr?: number;
  /**
   * The learning rate from `decaySteps` on, >= 0.
   * @default 0
   */
  endLr?: number;
  /**
   * The power the cosine factor is raised to, >= 0.
   * @default 1
   */
  exponent?: number;
}

/** Options of `powerDecay`. */
export interface PowerDecayOptions {
  /** The learning rate at step 0, >= 0. */
  lr: number;
  /** The exponent p of lr / (step + 1)^p, >= 0. */
  power: number;
}

/**
 * The stored form of a schedule, `Schedule.config`: its `kind` and every option of its builder,
 * defaults filled in. `scheduleFromConfig` rebuilds the schedule from it, and rejects a key that
 * is neither `kind` nor one of these options.
 *
 * | kind | builder | the other keys |
 * | --- | --- | --- |
 * | `constant` | {@link constant} | `lr` |
 * | `step_decay` | {@link stepDecay} | {@link StepDecayOptions} |
 * | `inverse_sqrt` | {@link inverseSqrt} | {@link InverseSqrtOptions} |
 * | `polynomial_decay` | {@link polynomialDecay} | {@link PolynomialDecayOptions} |
 * | `power_decay` | {@link powerDecay} | {@link PowerDecayOptions} |
 * | `warmup_cosine` | {@link warmupCosine} | {@link WarmupCosineOptions} |
 */
export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly lr: number }
  | ({ readonly kind: 'step_decay' } & Readonly<Required<StepDecayOptions>>)
  | ({ readonly kind: 'inverse_sqrt' } & Readonly<Required<InverseSqrtOptions>>)
  | ({ readonly kind: 'polynomial_decay' } & Readonly<Required<PolynomialDecayOptions>>)
  | ({ readonly kind: 'power_decay' } & Readonly<Required<PowerDecayOptions>>)
  | ({ readonly kind: 'warmup_cosine' } & Readonly<Required<WarmupCosineOptions>>);

/** The option names each builder accepts, in the order its options type lists them. */
const OPTION_NAMES = {
  constant: ['lr'],
  step_decay: ['lr', 'boundaries', 'factor'],
  inverse_sqrt: ['lr', 'warmupUpdates', 'warmupInitLr'],
  polynomial_decay: ['lr', 'warmupUpdates', 'totalUpdates', 'endLr', 'power'],
  power_decay: ['lr', 'power'],
  warmup_cosine: ['peakLr', 'warmupSteps', 'decaySteps', 'initLr', 'endLr', 'exponent'],
} as const satisfies Record<ScheduleConfig['kind'], readonly string[]>;

function need(ok: boolean, message: string): void {
  if (!ok) throw new InvalidOptionError(message);
}

/** The largest finite float32: a learning rate is used as a float32 by the kernels. */
const FLOAT32_MAX = 3.4028234663852886e38;

function finite(
  kind: string,
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
): number {
  need(
    typeof value === 'number' && Number.isFinite(value) && value >= min,
    `schedule ${kind}: option ${name} must be a finite number >= ${min}, got ${quote(value)}`,
  );
  return value as number;
}

/** A learning rate the schedule returns as it is: >= 0 and within float32. */
function rate(kind: string, name: string, value: unknown): number {
  const lr = finite(kind, name, value, 0);
  need(
    lr <= FLOAT32_MAX,
    `schedule ${kind}: option ${name} is ${lr}, beyond the float32 range (at most ${FLOAT32_MAX}) the steps compute in`,
  );
  return lr;
}

function count(kind: string, name: string, value: unknown, min = 0): number {
  need(
    Number.isInteger(value) && (value as number) >= min,
    `schedule ${kind}: option ${name} must be an integer >= ${min}, got ${quote(value)}`,
  );
  return value as number;
}

type ScheduleKind = ScheduleConfig['kind'];

/**
 * Checks that `options` is an object whose every key is an option of `kind` (or one of `extra`),
 * so that a misspelt option cannot pass silently.
 */
function checkOptionNames(
  kind: ScheduleKind,
  options: unknown,
  extra: readonly string[] = [],
): void {
  need(
    options !== null && typeof options === 'object',
    `schedule ${kind}: takes an options object, got ${quote(options)}`,
  );
  const names: readonly string[] = [...extra, ...OPTION_NAMES[kind]];
  for (const key of Object.keys(options as object)) {
    need(
      names.includes(key),
      `schedule ${kind}: unknown option ${quote(key)} (known: ${names.join(', ')})`,
    );
  }
}

/** The options of a stored config: every key but `kind`. */
function withoutKind<T>(config: { readonly kind: string } & T): T {
  return Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'kind')) as T;
}

function make(config: ScheduleConfig, f: (step: number) => number): Schedule {
  const schedule = (step: number): number => {
    need(
      Number.isFinite(step) && step >= 0,
      `schedule ${config.kind}: takes a step >= 0, got ${quote(step)}`,
    );
    return f(step);
  };
  return Object.assign(schedule, { config: Object.freeze(config) });
}

/** The same learning rate at every step. */
export function constant(lr: number): Schedule {
  rate('constant', 'lr', lr);
  return make({ kind: 'constant', lr }, () => lr);
}

/**
 * Step decay ("tenthing"): `lr · factor^m` where m is the number of boundaries <= step, so the
 * rate is multiplied by `factor` (default 0.1) from each boundary on. This is optax's
 * `piecewise_constant_schedule(lr, {b: factor for b in boundaries})`; with epochs as steps it is
 * the classic ×0.1 at epochs 30, 60, 90 of ImageNet training.
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const kind = 'step_decay';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const factor = finite(kind, 'factor', options.factor ?? 0.1, 0);
  need(
    Array.isArray(options.boundaries),
    `schedule ${kind}: option boundaries must be an array of steps`,
  );
  const boundaries = options.boundaries.map((b) => count(kind, 'boundaries[]', b));
  need(
    boundaries.every((b, i) => i === 0 || b > boundaries[i - 1]!),
    `schedule ${kind}: option boundaries must be strictly increasing, got ${quoteList(boundaries)}`,
  );
  // Every rate it returns, in the order the step multiplies them, stays within float32.
  let largest = lr;
  for (const b of boundaries) {
    largest *= factor;
    need(
      largest <= FLOAT32_MAX,
      `schedule ${kind}: its rate from step ${b} on, lr·factor^m = ${largest}, is beyond the float32 range (at most ${FLOAT32_MAX}) the steps compute in`,
    );
  }
  return make({ kind: 'step_decay', lr, boundaries, factor }, (step) => {
    let value = lr;
    for (const b of boundaries) if (step >= b) value *= factor;
    return value;
  });
}

/**
 * fairseq `inverse_sqrt`: linear warmup from `warmupInitLr` (default 0) to `lr` over
 * `warmupUpdates` steps, then `lr · sqrt(warmupUpdates / step)`:
 *
 *   step <  W:  warmupInitLr + step · (lr − warmupInitLr) / W
 *   step >= W:  lr · sqrt(W) · step^(−1/2)
 */
export function inverseSqrt(options: InverseSqrtOptions): Schedule {
  const kind = 'inverse_sqrt';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const warmupUpdates = count(kind, 'warmupUpdates', options.warmupUpdates, 1);
  const warmupInitLr = rate(kind, 'warmupInitLr', options.warmupInitLr ?? 0);
  const lrStep = (lr - warmupInitLr) / warmupUpdates;
  const decayFactor = lr * Math.sqrt(warmupUpdates);
  return make({ kind: 'inverse_sqrt', lr, warmupUpdates, warmupInitLr }, (step) =>
    step < warmupUpdates ? warmupInitLr + step * lrStep : decayFactor / Math.sqrt(step),
  );
}

/**
 * fairseq `polynomial_decay`: linear warmup from 0 to `lr` over `warmupUpdates` steps, then
 * polynomial decay to `endLr` at `totalUpdates`, constant after:
 *
 *   step <= W (W > 0):  lr · step / W
 *   step >= T:          endLr
 *   otherwise:          (lr − endLr) · (1 − (step − W) / (T − W))^power + endLr
 */
export function polynomialDecay(options: PolynomialDecayOptions): Schedule {
  const kind = 'polynomial_decay';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const warmupUpdates = count(kind, 'warmupUpdates', options.warmupUpdates ?? 0);
  const totalUpdates = count(kind, 'totalUpdates', options.totalUpdates, 1);
  const endLr = rate(kind, 'endLr', options.endLr ?? 0);
  const power = finite(kind, 'power', options.power ?? 1, 0);
  need(
    totalUpdates > warmupUpdates,
    `schedule ${kind}: option totalUpdates (${totalUpdates}) must exceed warmupUpdates (${warmupUpdates})`,
  );
  const config = { kind: 'polynomial_decay', lr, warmupUpdates, totalUpdates, endLr, power };
  return make(config as ScheduleConfig, (step) => {
    if (warmupUpdates > 0 && step <= warmupUpdates) return (lr * step) / warmupUpdates;
    if (step >= totalUpdates) return endLr;
    const remaining = 1 - (step - warmupUpdates) / (totalUpdates - warmupUpdates);
    return (lr - endLr) * remaining ** power + endLr;
  });
}

/**
 * optax `warmup_cosine_decay_schedule`: linear from `initLr` to `peakLr` over `warmupSteps`, then
 * cosine decay from `peakLr` to `endLr` over the remaining `decaySteps − warmupSteps` steps
 * (`decaySteps` counts the warmup), constant after:
 *
 *   step <  W:  initLr + (peakLr − initLr) · step / W
 *   step >= W:  t = min(step − W, D − W) / (D − W);
 *               peakLr · ((1 − α) · (½ (1 + cos π t))^exponent + α),   α = endLr / peakLr
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const kind = 'warmup_cosine';
  checkOptionNames(kind, options);
  const peakLr = rate(kind, 'peakLr', options.peakLr);
  const warmupSteps = count(kind, 'warmupSteps', options.warmupSteps);
  const decaySteps = count(kind, 'decaySteps', options.decaySteps, 1);
  const initLr = rate(kind, 'initLr', options.initLr ?? 0);
  const endLr = rate(kind, 'endLr', options.endLr ?? 0);
  const exponent = finite(kind, 'exponent', options.exponent ?? 1, 0);
  need(
    decaySteps > warmupSteps,
    `schedule ${kind}: option decaySteps (${decaySteps}) must exceed warmupSteps (${warmupSteps})`,
  );
  const alpha = peakLr === 0 ? 0 : endLr / peakLr;
  const cosineSteps = decaySteps - warmupSteps;
  const config = {
    kind: 'warmup_cosine',
    initLr,
    peakLr,
    warmupSteps,
    decaySteps,
    endLr,
    exponent,
  };
  return make(config as ScheduleConfig, (step) => {
    if (step < warmupSteps) return initLr + ((peakLr - initLr) * step) / warmupSteps;
    const t = Math.min(step - warmupSteps, cosineSteps) / cosineSteps;
    const cosine = 0.5 * (1 + Math.cos(Math.PI * t));
    return peakLr * ((1 - alpha) * cosine ** exponent + alpha);
  });
}

/**
 * lr / (step + 1)^power: the decaying step sizes η/(k+1)^p of SGD's classical analysis, which the
 * paper compares with a stage-wise schedule (Defazio & Jelassi 2021, Figure 2; p = 1/2 is the
 * rate of convex stochastic theory).
 */
export function powerDecay(options: PowerDecayOptions): Schedule {
  const kind = 'power_decay';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const power = finite(kind, 'power', options.power, 0);
  return make({ kind: 'power_decay', lr, power }, (step) => lr / (step + 1) ** power);
}

/**
 * Rebuilds a schedule from its `config`; throws an InvalidOptionError for an unknown kind or a
 * key that is neither `kind` nor an option of that kind.
 */
export function scheduleFromConfig(config: ScheduleConfig): Schedule {
  const kind = config?.kind;
  if (typeof kind === 'string' && Object.hasOwn(OPTION_NAMES, kind))
    checkOptionNames(kind, config, ['kind']);
  switch (config?.kind) {
    case 'constant':
      return constant(config.lr);
    case 'step_decay':
      return stepDecay(withoutKind(config));
    case 'inverse_sqrt':
      return inverseSqrt(withoutKind(config));
    case 'polynomial_decay':
      return polynomialDecay(withoutKind(config));
    case 'warmup_cosine':
      return warmupCosine(withoutKind(config));
    case 'power_decay':
      return powerDecay(withoutKind(config));
    default:
      throw new InvalidOptionError(
        `unknown schedule kind ${quote((config as { kind?: unknown })?.kind)}`,
      );
  }
}

/** True for a schedule made by this library (a function carrying a `config`). */
export function isSchedule(value: unknown): value is Schedule {
  return typeof value === 'function' && typeof (value as Schedule).config === 'object';
}
