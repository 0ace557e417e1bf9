/**
 * `madgrad/tfjs/experimental`: the parts of the TensorFlow.js adapter that the lab and advanced
 * users need and that a user of `MadgradOptimizer` / `MirrorMadgradOptimizer` does not: the
 * adapter that runs any core optimizer as a `tf.Optimizer`, the process-wide default step
 * kernels, the wasm backend's memory, and the TensorFlow.js rules of MADGRAD and MirrorMADGRAD
 * (the core's rule with its tfjs ops and fused shader variant). Needs `@tensorflow/tfjs-core`, as `madgrad/tfjs` does.
 *
 * Not covered by semver as `madgrad` and `madgrad/tfjs` are: a minor release may rename, change
 * or remove these exports, and says so in its notes; a patch release does not change them.
 * `wasmBackendMemory` reads internals of `@tensorflow/tfjs-backend-wasm` and returns null where
 * it cannot find them.
 *
 * @module madgrad/tfjs/experimental
 */
export { type WasmMemory, wasmBackendMemory } from './backend-memory.js';
export { getDefaultStepKernels, setDefaultStepKernels } from './config.js';
export { CoreOptimizerAdapter } from './core-optimizer-adapter.js';
export { MADGRAD_TFJS_RULE } from './madgrad-rule-ops.js';
export { MIRROR_MADGRAD_TFJS_RULE } from './mirror-madgrad-rule-ops.js';
export type { TfjsRule } from './tfjs-rule.js';
