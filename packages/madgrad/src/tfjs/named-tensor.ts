import type * as tf from '@tensorflow/tfjs-core';

/**
 * A named tensor, as tfjs's optimizers take and return them: tfjs-core's own `NamedTensor`
 * (declared by `tf.Optimizer`, not exported by name from the package root, so taken from there).
 */
export type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];
