import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/rng.js';

/** A model of a tfjs task, as the training loop sees it. */
export interface TfModel {
  /** The trained variables (the optimizer's, and weight decay's). */
  readonly variables: readonly tf.Variable[];
  /** Variables the model updates itself (batch-norm averages): disposed with the model, never trained. */
  readonly state?: readonly tf.Variable[];
  /** The training loss on these positions of the training subset (augmentation may use rng). */
  loss(batch: readonly number[], rng: Rng): tf.Scalar;
  /** Metrics on the validation or test split, by metric key (plain numbers). */
  evaluate(split: 'val' | 'test'): Record<string, number>;
}

let variableCounter = 0;

/** A trainable variable with a process-unique name, initialised from a JS array. */
export function makeVariable(values: Float32Array, shape: number[], label: string): tf.Variable {
  variableCounter += 1;
  return tf.variable(tf.tensor(values, shape), true, `${label}_${variableCounter}`);
}

/** Glorot-uniform initial values from a seeded generator. */
export function glorot(
  rng: Rng,
  fanIn: number,
  fanOut: number,
  count = fanIn * fanOut,
): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}
