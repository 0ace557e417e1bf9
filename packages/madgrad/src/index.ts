/**
 * `madgrad`: MADGRAD and MirrorMADGRAD over `Float32Array` parameters, the baselines (Adam,
 * AdaGrad, SGD with momentum), learning-rate schedules, WebAssembly kernels and checkpoints. No
 * runtime dependency. The dual-averaging variants, the limits of the float32 step, the
 * checkpoint codec and the seeded generator are in `madgrad/experimental`.
 *
 * @module madgrad
 */
export {
  allocateKernelArray,
  type KernelChoice,
} from './kernels/select-kernels.js';
export { availableThreads } from './kernels/thread-pool.js';
export {
  createWasmKernels,
  type WasmKernelOptions,
  type WasmKernels,
} from './kernels/wasm-kernels.js';
export { hasSharedWasmMemory, hasWasmSimd } from './kernels/wasm-support.js';
export { clipScale, globalNorm } from './maths/clipping.js';
export {
  InternalError,
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
  KernelThreadError,
  MadgradError,
  StateFormatError,
  UnsupportedEnvironmentError,
} from './maths/errors.js';
export {
  type CommonOptions,
  MADGRAD_DEFAULTS,
  MIRROR_MADGRAD_DEFAULTS,
  type OptimizerOptions,
} from './maths/options.js';
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
} from './maths/schedules.js';
export {
  jsKernels,
  type MadgradBuffers,
  type MadgradScalars,
  type MirrorBuffers,
  type MirrorScalars,
  type StepKernels,
} from './maths/step-kernels.js';
export { ADAGRAD_DEFAULTS, Adagrad } from './optimizers/baselines/adagrad.js';
export {
  ADAM_DEFAULTS,
  Adam,
  type AdamConfig,
  type AdamOptions,
} from './optimizers/baselines/adam.js';
export { SGD_MOMENTUM_DEFAULTS, SgdMomentum } from './optimizers/baselines/sgd-momentum.js';
export type { Gradient, GradientMap, SparseRows } from './optimizers/gradients.js';
export { Madgrad } from './optimizers/madgrad.js';
export { MirrorMadgrad } from './optimizers/mirror-madgrad.js';
export type { OptimizerConfig } from './optimizers/optimizer.js';
export { StatefulOptimizer } from './optimizers/optimizer.js';
export type { Parameter, ParameterGroup } from './optimizers/parameters.js';
export type { OptimizerState } from './optimizers/state-codec.js';
