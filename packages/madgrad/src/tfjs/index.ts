/**
 * `madgrad/tfjs`: MADGRAD and MirrorMADGRAD as TensorFlow.js optimizers, with learning-rate
 * schedules, global-norm gradient clipping and decoupled weight decay. Needs
 * `@tensorflow/tfjs-core` (a peer dependency) and a backend. The adapter of core optimizers, the
 * default step kernels and the wasm backend's memory are in `madgrad/tfjs/experimental`.
 *
 * @module madgrad/tfjs
 */
export {
  InternalError,
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
  KernelThreadError,
  MadgradError,
  StateFormatError,
  UnsupportedEnvironmentError,
} from '../maths/errors.js';
export {
  constant,
  type InverseSqrtOptions,
  inverseSqrt,
  type PolynomialDecayOptions,
  type PowerDecayOptions,
  polynomialDecay,
  powerDecay,
  type Schedule,
  type ScheduleConfig,
  type StepDecayOptions,
  scheduleFromConfig,
  stepDecay,
  type WarmupCosineOptions,
  warmupCosine,
} from '../maths/schedules.js';
export { jsKernels, type StepKernels } from '../maths/step-kernels.js';
export { MadgradFamilyOptimizer } from './base-optimizer.js';
export { clipByGlobalNorm } from './clip-by-global-norm.js';
export type { LearningRate, NonFiniteMode, TfjsOptimizerConfig } from './config.js';
export {
  type EpochScheduleCallback,
  learningRateScheduler,
  type SchedulableOptimizer,
} from './lr-callback.js';
export { MadgradOptimizer, madgrad } from './madgrad-optimizer.js';
export { MirrorMadgradOptimizer, mirrorMadgrad } from './mirror-madgrad-optimizer.js';
export type { NamedTensor } from './named-tensor.js';
