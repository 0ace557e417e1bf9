export { crc32 } from './core/crc32.js';
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
