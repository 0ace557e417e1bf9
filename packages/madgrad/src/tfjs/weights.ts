import * as tf from '@tensorflow/tfjs-core';
import { StateFormatError } from '../maths/errors.js';
import { groupBufferSets } from '../optimizers/buffer-sets.js';
import type { NamedTensor } from './named-tensor.js';
import type { StateSlots } from './state-slots.js';

/**
 * The weights of `getWeights`: the iteration count `iter` first, then every buffer as
 * `<variable name>/<buffer>`, with the reference's buffer names, variables in slot order.
 */
export function weightsOf(
  iter: tf.Tensor,
  slots: StateSlots,
  buffers: readonly string[],
): NamedTensor[] {
  const weights: NamedTensor[] = [{ name: 'iter', tensor: iter }];
  for (const [name, slot] of slots.entries()) {
    for (const buffer of buffers)
      weights.push({ name: `${name}/${buffer}`, tensor: slot[buffer]! });
  }
  return weights;
}

/** Weights for `setWeights`, checked: the step count and each variable's buffers. */
export interface LoadedWeights {
  readonly k: number;
  readonly state: Map<string, Record<string, tf.Tensor>>;
}

/**
 * Reads and checks weights from `getWeights` against the buffer names of this optimizer: an
 * integer iteration count first, then float32 `<variable>/<buffer>` tensors, each variable with
 * exactly these buffers (the check `loadState` shares), all of one shape. Throws a
 * `StateFormatError` on any mismatch; reads only.
 */
export async function readWeights(
  weightValues: NamedTensor[],
  buffers: readonly string[],
): Promise<LoadedWeights> {
  if (!Array.isArray(weightValues) || weightValues.length === 0) {
    throw new StateFormatError('optimizer weights must start with the iteration count "iter"');
  }
  const [iter, ...rest] = weightValues;
  const k = (await iter!.tensor.data())[0]!;
  if (iter!.tensor.size !== 1 || !Number.isInteger(k) || k < 0) {
    throw new StateFormatError(
      `optimizer weights must start with the iteration count, got "${iter!.name}" = ${k}`,
    );
  }
  const entries = rest.map(({ name, tensor }) => {
    const cut = name.lastIndexOf('/');
    const buffer = name.slice(cut + 1);
    if (cut <= 0 || !buffers.includes(buffer)) {
      throw new StateFormatError(
        `optimizer weight "${name}" is not <variable>/<buffer> with a buffer in [${buffers.join(', ')}]`,
      );
    }
    if (tensor.dtype !== 'float32') {
      throw new StateFormatError(`optimizer weight "${name}" must be float32, got ${tensor.dtype}`);
    }
    return { owner: name.slice(0, cut), buffer, value: tensor };
  });
  const state = groupBufferSets(entries, () => buffers, 'optimizer weights');
  for (const [variable, values] of state) {
    const shape = values[buffers[0]!]!.shape;
    if (buffers.some((b) => !tf.util.arraysEqual(values[b]!.shape, shape))) {
      throw new StateFormatError(
        `optimizer weights for "${variable}" have buffers of different shapes`,
      );
    }
  }
  return { k, state };
}
