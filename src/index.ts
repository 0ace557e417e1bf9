export { ADAGRAD_DEFAULTS, Adagrad } from './core/baselines/adagrad.js';
export { ADAM_DEFAULTS, Adam, type AdamOptions } from './core/baselines/adam.js';
export { SGD_MOMENTUM_DEFAULTS, SgdMomentum } from './core/baselines/sgd-momentum.js';
export { clipScale, globalNorm } from './core/clipping.js';
export { crc32 } from './core/crc32.js';
export {
  DUAL_AVERAGING_DEFAULTS,
  DUAL_AVERAGING_VARIANTS,
  type DualAveragingDenominator,
  DualAveragingVariant,
  type DualAveragingVariantName,
  type DualAveragingVariantSpec,
  type DualAveragingWeighting,
} from './core/dual-averaging-variants.js';
export {
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
  MadgradError,
  StateFormatError,
} from './core/errors.js';
export type { Gradient, GradientMap, SparseRows } from './core/gradients.js';
export { Madgrad } from './core/madgrad.js';
export { MirrorMadgrad } from './core/mirror-madgrad.js';
export type { OptimizerConfig } from './core/optimizer.js';
export { StatefulOptimizer } from './core/optimizer.js';
export {
  effectiveLr,
  MADGRAD_DEFAULTS,
  MIRROR_MADGRAD_DEFAULTS,
  type OptimizerOptions,
} from './core/options.js';
export { type Parameter, type ParameterGroup, shapeSize } from './core/parameters.js';
export {
  constant,
  inverseSqrt,
  isSchedule,
  polynomialDecay,
  powerDecay,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
  stepDecay,
  warmupCosine,
} from './core/schedules.js';
export {
  decodeState,
  encodeState,
  type OptimizerState,
  STATE_FORMAT_VERSION,
} from './core/state-codec.js';
export {
  jsKernels,
  type MadgradBuffers,
  type MadgradScalars,
  type MirrorBuffers,
  type MirrorScalars,
  madgradScalars,
  mirrorScalars,
  type StepKernels,
} from './core/step-kernels.js';
export {
  allocateKernelArray,
  defaultWasmKernels,
  type KernelChoice,
  resolveKernels,
} from './kernels/select-kernels.js';
export {
  createWasmKernels,
  type WasmKernelOptions,
  type WasmKernels,
} from './kernels/wasm-kernels.js';
export { hasSharedWasmMemory, hasWasmSimd } from './kernels/wasm-support.js';
