import * as tf from '@tensorflow/tfjs-core';
import { StateFormatError } from '../maths/errors.js';
import { quote } from '../maths/quote.js';
import { MAX_STEP_COUNT } from '../optimizers/state-codec.js';

/** 2^31: the int32 range's size; step counts below it are one int32. */
const INT32_SPAN = 2 ** 31;

/**
 * The iteration count `iter` of `getWeights`, exact for every step count up to MAX_STEP_COUNT
 * (2^48). Below 2^31 it is an int32 scalar, as tfjs's own optimizers write it (and as models saved
 * by earlier versions hold it); from 2^31 on it is an int32 tensor of shape [2], [high, low] with
 * k = high·2^31 + low and 0 <= low < 2^31. A float32 tensor cannot serve: it is exact only up to
 * 2^24.
 */
export function iterationTensor(k: number): tf.Tensor {
  if (k < INT32_SPAN) return tf.scalar(k, 'int32');
  return tf.tensor1d([Math.floor(k / INT32_SPAN), k % INT32_SPAN], 'int32');
}

/** True when `t` is the tensor `iterationTensor(k)` would give (so that it can be reused). */
export function sameIterationShape(t: tf.Tensor, k: number): boolean {
  return t.rank === (k < INT32_SPAN ? 0 : 1);
}

/**
 * Reads an iteration count written by `iterationTensor`, or an integer-valued int32 or float32
 * scalar (other writers'), checked to lie in [0, MAX_STEP_COUNT]. Throws a `StateFormatError`.
 */
export async function readIterationCount(tensor: tf.Tensor): Promise<number> {
  const bad = (what: string) =>
    new StateFormatError(`optimizer weight "iter" (the iteration count) ${what}`);
  const pair = tensor.rank === 1 && tensor.size === 2 && tensor.dtype === 'int32';
  if (!pair && (tensor.rank !== 0 || (tensor.dtype !== 'int32' && tensor.dtype !== 'float32'))) {
    throw bad(
      `must be an int32 or float32 scalar or an int32 [high, low] pair, got ${tensor.dtype} of shape ${quote(JSON.stringify(tensor.shape))}`,
    );
  }
  const data = await tensor.data();
  let k = data[0]!;
  if (pair) {
    const [high, low] = [data[0]!, data[1]!];
    if (high < 0 || low < 0) throw bad(`holds the negative pair [${high}, ${low}]`);
    k = high * INT32_SPAN + low;
  }
  if (!Number.isInteger(k) || k < 0) throw bad(`must be a whole number >= 0, got ${k}`);
  if (k > MAX_STEP_COUNT) {
    throw bad(`is ${k}, beyond any real run (at most 2^48, MAX_STEP_COUNT)`);
  }
  return k;
}
