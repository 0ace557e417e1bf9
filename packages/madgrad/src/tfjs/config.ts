import { type KernelChoice, resolveKernels } from '../kernels/select-kernels.js';
import { InvalidOptionError } from '../maths/errors.js';
import {
  checkOption,
  MADGRAD_SPEC,
  type OptimizerOptions,
  type OptimizerSpec,
  optionNames,
  resolveOptions,
} from '../maths/options.js';
import { quote } from '../maths/quote.js';
import {
  isSchedule,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
} from '../maths/schedules.js';
import type { StepKernels } from '../maths/step-kernels.js';

/** A learning rate: a number, or a function of the step (see the schedules of `madgrad`). */
export type LearningRate = number | ((step: number) => number);

/** What to do with a step whose gradients hold NaN or ±Infinity. */
export type NonFiniteMode = 'throw' | 'skip';

/** Options of `MadgradOptimizer` and `MirrorMadgradOptimizer`. */
export interface TfjsOptimizerConfig {
  /**
   * A number or a schedule `(step) => lr` evaluated before every step. Library schedules are
   * saved with a model; a plain function cannot be.
   * @default 1e-2
   */
  learningRate?: LearningRate;
  /**
   * Momentum in [0, 1).
   * @default 0.9
   */
  momentum?: number;
  /**
   * Weight decay >= 0; usually far less than for SGD or Adam.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Added to the cube-root denominator (MirrorMADGRAD's default is 0).
   * @default 1e-6
   */
  eps?: number;
  /**
   * AdamW-style decoupled weight decay, as the reference's `decouple_decay`.
   * @default false
   */
  decoupleDecay?: boolean;
  /**
   * Clip gradients by their global norm across every variable of a step (null: no clipping).
   * @default null
   */
  clipNorm?: number | null;
  /**
   * `throw`: NaN/Infinity in a gradient throws before anything changes; `skip`: the step is
   * skipped (nothing changes, the step counter does not advance) and counted.
   * @default 'throw'
   */
  nonFinite?: NonFiniteMode;
  /**
   * Dense step kernels for the cpu and wasm backends: 'auto', 'wasm', 'js' or a `StepKernels`
   * object. Unset: the kernels of `setDefaultStepKernels`, initially 'auto' (WebAssembly SIMD
   * where available).
   * @default 'auto'
   */
  kernels?: KernelChoice;
  /**
   * How a step runs. `auto`: the kernels over the tensors' memory on cpu and wasm;
   * on webgl and webgpu the device path (`device`: no read-back during a step; the fused WGSL
   * step on webgpu). `ops`: tfjs ops with a synchronous NaN/Infinity check on any backend.
   * `device`: the device path on any backend. See docs/browser.md.
   * @default 'auto'
   */
  path?: StepPathChoice;
}

/** The step implementations `path` can ask for. */
export type StepPathChoice = 'auto' | 'ops' | 'device';

/** The validated, resolved configuration. */
export interface ResolvedConfig {
  learningRate: LearningRate;
  options: Omit<OptimizerOptions, 'lr'>;
  clipNorm: number | null;
  nonFinite: NonFiniteMode;
  kernels: StepKernels | null;
  path: StepPathChoice;
}

let defaultKernels: StepKernels | null = null;

/**
 * Sets the kernels that optimizers without a `kernels` option use on the cpu and wasm backends;
 * until then 'auto': the WebAssembly SIMD kernels where available, else the TypeScript loops.
 */
export function setDefaultStepKernels(kernels: KernelChoice): void {
  defaultKernels = checkKernels(kernels);
}

export function getDefaultStepKernels(): StepKernels {
  defaultKernels ??= resolveKernels('auto');
  return defaultKernels;
}

function checkKernels(kernels: KernelChoice): StepKernels {
  try {
    return resolveKernels(kernels);
  } catch (e) {
    throw new InvalidOptionError(`option kernels: ${(e as Error).message}`);
  }
}

/**
 * The options of `MadgradOptimizer` (MirrorMADGRAD's differ in eps's default, 0): MADGRAD's,
 * with lr as `learningRate`, and the adapter's own.
 */
export const TFJS_CONFIG_SPEC: OptimizerSpec<Required<TfjsOptimizerConfig>> = {
  name: 'madgrad/tfjs',
  options: {
    learningRate: {
      default: MADGRAD_SPEC.options.lr.default,
      range: 'custom',
      doc: 'a number or a schedule (step) => lr; library schedules are saved with a model',
    },
    momentum: MADGRAD_SPEC.options.momentum,
    weightDecay: MADGRAD_SPEC.options.weightDecay,
    eps: MADGRAD_SPEC.options.eps,
    decoupleDecay: MADGRAD_SPEC.options.decoupleDecay,
    clipNorm: {
      default: null,
      range: 'positive-or-null',
      doc: 'clip the gradients of a step by their global norm (null: no clipping)',
    },
    nonFinite: {
      default: 'throw',
      range: ['throw', 'skip'],
      doc: 'a step with NaN/Infinity gradients throws, or is skipped and counted',
    },
    kernels: {
      default: 'auto',
      range: 'custom',
      doc: "dense step kernels on cpu and wasm: 'auto', 'wasm', 'js' or a StepKernels object",
    },
    path: {
      default: 'auto',
      range: ['auto', 'ops', 'device'],
      doc: 'how a step runs: kernels over the memory, tfjs ops, or the device path',
    },
  },
};

const KNOWN = optionNames(TFJS_CONFIG_SPEC);

/** A learning rate as stored by `getConfig`: a number or `{ schedule: ScheduleConfig }`. */
export function learningRateFromConfig(value: unknown): LearningRate {
  if (typeof value === 'number' || typeof value === 'function') return value as LearningRate;
  if (value !== null && typeof value === 'object' && 'schedule' in value) {
    const schedule = (value as { schedule: ScheduleConfig }).schedule;
    if (schedule === null || typeof schedule !== 'object') {
      throw new InvalidOptionError(
        `option learningRate.schedule must be a schedule config, got ${quote(schedule)}`,
      );
    }
    // Kinds are camelCase, which tfjs-layers' camel-casing of a loaded model's strings keeps;
    // scheduleFromConfig reads the snake_case kinds and old option names of earlier versions.
    try {
      return scheduleFromConfig(schedule);
    } catch (e) {
      throw new InvalidOptionError(
        `${(e as Error).message} in a saved madgrad/tfjs optimizer config`,
      );
    }
  }
  throw new InvalidOptionError(
    `option learningRate must be a number or a schedule, got ${quote(value)}`,
  );
}

/** The serializable form of a learning rate; throws for a function that is not a library schedule. */
export function learningRateToConfig(lr: LearningRate): number | { schedule: ScheduleConfig } {
  if (typeof lr === 'number') return lr;
  if (isSchedule(lr)) return { schedule: (lr as Schedule).config };
  throw new InvalidOptionError(
    'cannot serialize a learning rate given as a plain function: use a schedule of this library (constant, stepDecay, inverseSqrt, polynomialDecay, warmupCosine, powerDecay) or set a number before saving',
  );
}

export function checkLearningRate(lr: LearningRate): LearningRate {
  if (typeof lr === 'function') return lr;
  resolveOptions({ lr: 0, momentum: 0, weightDecay: 0, eps: 0, decoupleDecay: false }, { lr });
  return lr;
}

/** Merges `config` over `defaults`, validating every option and naming the offending one. */
export function resolveConfig(
  config: TfjsOptimizerConfig | Record<string, unknown>,
  defaults: Readonly<OptimizerOptions>,
): ResolvedConfig {
  const c = (config ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(c)) {
    if (!KNOWN.includes(key)) {
      throw new InvalidOptionError(`unknown option ${quote(key)} (known: ${KNOWN.join(', ')})`);
    }
  }
  const learningRate = checkLearningRate(
    c.learningRate === undefined ? defaults.lr : learningRateFromConfig(c.learningRate),
  );
  const { lr: _lr, ...options } = resolveOptions(defaults, {
    momentum: c.momentum as number | undefined,
    weightDecay: c.weightDecay as number | undefined,
    eps: c.eps as number | undefined,
    decoupleDecay: c.decoupleDecay as boolean | undefined,
  });
  const own = (name: 'clipNorm' | 'nonFinite' | 'path') => {
    const spec = TFJS_CONFIG_SPEC.options[name];
    return checkOption(name, spec.range, c[name] ?? spec.default);
  };
  const clipNorm = own('clipNorm') as number | null;
  const nonFinite = own('nonFinite') as NonFiniteMode;
  const path = own('path') as StepPathChoice;
  const kernels = c.kernels === undefined ? null : checkKernels(c.kernels as KernelChoice);
  return { learningRate, options, clipNorm, nonFinite, kernels, path };
}
