/**
 * `madgrad/experimental`: the parts of the core that the lab and advanced users need and that
 * an optimizer user does not: the dual-averaging variants of the design ablation, the limits of
 * the float32 step, the checkpoint codec, the seeded generator and `densify`; the update rules
 * of MADGRAD and MirrorMADGRAD (each rule's comment lists every implementation of its update)
 * with the `UpdateRule` type a `StatefulOptimizer` subclass passes to its base; and each core
 * optimizer's state type (what `stateOf` returns, buffers by name). Like `madgrad`, it never
 * loads TensorFlow.js (its TensorFlow.js counterpart is `madgrad/tfjs/experimental`).
 *
 * Not covered by semver as `madgrad` and `madgrad/tfjs` are: a minor release may rename, change
 * or remove these exports, and says so in its notes; a patch release does not change them. What
 * they compute is tested as closely as the rest of the library, and the byte format
 * `encodeState` writes is the one `saveState` writes (`STATE_FORMAT_VERSION`), which keeps its
 * own compatibility promise.
 *
 * @module madgrad/experimental
 */
export {
  FLOAT32_MAX,
  madgradGradientLimit,
  mirrorGradientLimit,
  squareOverflowLimit,
} from './maths/gradient-limits.js';
export { mulberry32 } from './maths/random.js';
export type { AdagradState } from './optimizers/baselines/adagrad.js';
export type { AdamState } from './optimizers/baselines/adam.js';
export { densify } from './optimizers/baselines/densify.js';
export type { SgdMomentumState } from './optimizers/baselines/sgd-momentum.js';
export {
  DUAL_AVERAGING_DEFAULTS,
  DUAL_AVERAGING_VARIANTS,
  type DualAveragingDenominator,
  type DualAveragingState,
  DualAveragingVariant,
  type DualAveragingVariantName,
  type DualAveragingVariantSpec,
  type DualAveragingWeighting,
} from './optimizers/dual-averaging-variants.js';
export { MADGRAD_RULE, type MadgradRule, type MadgradState } from './optimizers/madgrad-rule.js';
export {
  MIRROR_MADGRAD_RULE,
  type MirrorMadgradRule,
  type MirrorMadgradState,
} from './optimizers/mirror-madgrad-rule.js';
export {
  decodeState,
  encodeState,
  MAX_STEP_COUNT,
  STATE_FORMAT_VERSION,
  type StateLayout,
  type StateTensorLayout,
} from './optimizers/state-codec.js';
export type { BufferStart, BufferStarts, UpdateRule } from './optimizers/update-rule.js';
