import { InvalidOptionError } from './errors.js';
import { quote, quoteList } from './quote.js';
import {
  checkOptionNames,
  count,
  FLOAT32_MAX,
  finite,
  need,
  OPTION_NAMES,
  rate,
  SCHEDULE_KINDS,
  upgradeConfig,
  withoutKind,
} from './schedule-checks.js';

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
  /** The warmup length in steps, an integer >= 1 (fairseq's `warmup_updates`). */
  warmupSteps: number;
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
   * The warmup length in steps, an integer >= 0 (0: no warmup; fairseq's `warmup_updates`).
   * @default 0
   */
  warmupSteps?: number;
  /**
   * The step at which the rate reaches `endLr`, warmup included, an integer > `warmupSteps`
   * (fairseq's `total_num_update`).
   */
  totalSteps: number;
  /**
   * The learning rate from `totalSteps` on, >= 0.
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
 * The stored form of a schedule, `Schedule.config`: its `kind` (the name of its builder) and
 * every option of its builder, defaults filled in. `scheduleFromConfig` rebuilds the schedule
 * from it, and rejects a key that is neither `kind` nor one of these options.
 *
 * | kind | builder | the other keys |
 * | --- | --- | --- |
 * | `constant` | {@link constant} | `lr` |
 * | `stepDecay` | {@link stepDecay} | {@link StepDecayOptions} |
 * | `inverseSqrt` | {@link inverseSqrt} | {@link InverseSqrtOptions} |
 * | `polynomialDecay` | {@link polynomialDecay} | {@link PolynomialDecayOptions} |
 * | `powerDecay` | {@link powerDecay} | {@link PowerDecayOptions} |
 * | `warmupCosine` | {@link warmupCosine} | {@link WarmupCosineOptions} |
 *
 * Configs saved by earlier versions (snake_case kinds such as `inverse_sqrt`; `warmupUpdates` and
 * `totalUpdates` for `warmupSteps` and `totalSteps`) still load with `scheduleFromConfig`.
 */
export type ScheduleConfig =
  | { readonly kind: 'constant'; readonly lr: number }
  | ({ readonly kind: 'stepDecay' } & Readonly<Required<StepDecayOptions>>)
  | ({ readonly kind: 'inverseSqrt' } & Readonly<Required<InverseSqrtOptions>>)
  | ({ readonly kind: 'polynomialDecay' } & Readonly<Required<PolynomialDecayOptions>>)
  | ({ readonly kind: 'powerDecay' } & Readonly<Required<PowerDecayOptions>>)
  | ({ readonly kind: 'warmupCosine' } & Readonly<Required<WarmupCosineOptions>>);

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
  const kind = 'stepDecay';
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
  return make({ kind: 'stepDecay', lr, boundaries, factor }, (step) => {
    let value = lr;
    for (const b of boundaries) if (step >= b) value *= factor;
    return value;
  });
}

/**
 * fairseq `inverse_sqrt`: linear warmup from `warmupInitLr` (default 0) to `lr` over
 * `warmupSteps` steps, then `lr · sqrt(warmupSteps / step)`:
 *
 *   step <  W:  warmupInitLr + step · (lr − warmupInitLr) / W
 *   step >= W:  lr · sqrt(W) · step^(−1/2)
 */
export function inverseSqrt(options: InverseSqrtOptions): Schedule {
  const kind = 'inverseSqrt';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const warmupSteps = count(kind, 'warmupSteps', options.warmupSteps, 1);
  const warmupInitLr = rate(kind, 'warmupInitLr', options.warmupInitLr ?? 0);
  const lrStep = (lr - warmupInitLr) / warmupSteps;
  const decayFactor = lr * Math.sqrt(warmupSteps);
  return make({ kind: 'inverseSqrt', lr, warmupSteps, warmupInitLr }, (step) =>
    step < warmupSteps ? warmupInitLr + step * lrStep : decayFactor / Math.sqrt(step),
  );
}

/**
 * fairseq `polynomial_decay`: linear warmup from 0 to `lr` over `warmupSteps` steps, then
 * polynomial decay to `endLr` at `totalSteps` (which counts the warmup), constant after:
 *
 *   step <= W (W > 0):  lr · step / W
 *   step >= T:          endLr
 *   otherwise:          (lr − endLr) · (1 − (step − W) / (T − W))^power + endLr
 */
export function polynomialDecay(options: PolynomialDecayOptions): Schedule {
  const kind = 'polynomialDecay';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const warmupSteps = count(kind, 'warmupSteps', options.warmupSteps ?? 0);
  const totalSteps = count(kind, 'totalSteps', options.totalSteps, 1);
  const endLr = rate(kind, 'endLr', options.endLr ?? 0);
  const power = finite(kind, 'power', options.power ?? 1, 0);
  need(
    totalSteps > warmupSteps,
    `schedule ${kind}: option totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`,
  );
  const config = { kind: 'polynomialDecay', lr, warmupSteps, totalSteps, endLr, power };
  return make(config as ScheduleConfig, (step) => {
    if (warmupSteps > 0 && step <= warmupSteps) return (lr * step) / warmupSteps;
    if (step >= totalSteps) return endLr;
    const remaining = 1 - (step - warmupSteps) / (totalSteps - warmupSteps);
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
  const kind = 'warmupCosine';
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
    kind: 'warmupCosine',
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
  const kind = 'powerDecay';
  checkOptionNames(kind, options);
  const lr = rate(kind, 'lr', options.lr);
  const power = finite(kind, 'power', options.power, 0);
  return make({ kind: 'powerDecay', lr, power }, (step) => lr / (step + 1) ** power);
}

/**
 * Rebuilds a schedule from its `config`; throws an InvalidOptionError for an unknown kind or a
 * key that is neither `kind` nor an option of that kind. Also reads the configs of earlier
 * versions: snake_case kinds (`inverse_sqrt`) and the options `warmupUpdates`, `totalUpdates` (now
 * `warmupSteps`, `totalSteps`).
 */
export function scheduleFromConfig(config: ScheduleConfig): Schedule {
  const current = upgradeConfig(config) as ScheduleConfig;
  const kind = current?.kind;
  if (typeof kind === 'string' && Object.hasOwn(OPTION_NAMES, kind))
    checkOptionNames(kind, current, ['kind']);
  switch (current?.kind) {
    case 'constant':
      return constant(current.lr);
    case 'stepDecay':
      return stepDecay(withoutKind(current));
    case 'inverseSqrt':
      return inverseSqrt(withoutKind(current));
    case 'polynomialDecay':
      return polynomialDecay(withoutKind(current));
    case 'warmupCosine':
      return warmupCosine(withoutKind(current));
    case 'powerDecay':
      return powerDecay(withoutKind(current));
    default:
      throw new InvalidOptionError(
        `unknown schedule kind ${quote((current as { kind?: unknown })?.kind)} (known: ${SCHEDULE_KINDS.join(', ')})`,
      );
  }
}

/** True for a schedule made by this library (a function carrying a `config`). */
export function isSchedule(value: unknown): value is Schedule {
  return typeof value === 'function' && typeof (value as Schedule).config === 'object';
}
