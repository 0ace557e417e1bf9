import * as tf from '@tensorflow/tfjs-core';
import { StateFormatError } from '../maths/errors.js';
import { quote } from '../maths/quote.js';
import { type StateBuffers, type StateProblem, stateRuleError } from '../maths/state-limits.js';
import { groupBufferSets } from '../optimizers/buffer-sets.js';
import { readIterationCount } from './iteration-count.js';
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

/** One buffer of loaded weights: a copy of its values, and its shape. */
export interface LoadedBuffer {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Weights for `setWeights`, checked and copied: the step count and each variable's buffers. */
export interface LoadedWeights {
  readonly k: number;
  readonly state: Map<string, Record<string, LoadedBuffer>>;
}

/**
 * Reads and checks weights from `getWeights` against the buffer names of this optimizer and the
 * state rule (maths/state-limits.ts, the one `loadState` applies): the iteration count `iter`
 * first, then float32 `<variable>/<buffer>` tensors, each variable with exactly these buffers
 * (the check `loadState` shares), all of one shape, whose values pass `rule`. Every entry is
 * checked to be a live tensor before any is read, and the values are copied, so the result does
 * not depend on the tensors passed in (which may be the optimizer's own). Throws a
 * `StateFormatError` naming the entry; reads only.
 */
export async function readWeights(
  weightValues: unknown,
  buffers: readonly string[],
  rule: (buffers: StateBuffers) => StateProblem | null,
): Promise<LoadedWeights> {
  if (!Array.isArray(weightValues) || weightValues.length === 0) {
    throw new StateFormatError('optimizer weights must start with the iteration count "iter"');
  }
  const named = weightValues.map(checkEntry);
  const [iter, ...rest] = named;
  if (iter!.name !== 'iter') {
    throw new StateFormatError(
      `optimizer weights must start with the iteration count "iter", got ${quote(iter!.name)}`,
    );
  }
  const k = await readIterationCount(iter!.tensor);
  const entries = rest.map(({ name, tensor }) => {
    const cut = name.lastIndexOf('/');
    const buffer = name.slice(cut + 1);
    if (cut <= 0 || !buffers.includes(buffer)) {
      throw new StateFormatError(
        `optimizer weight ${quote(name)} is not <variable>/<buffer> with a buffer in [${buffers.join(', ')}]`,
      );
    }
    if (tensor.dtype !== 'float32') {
      throw new StateFormatError(
        `optimizer weight ${quote(name)} must be float32, got ${tensor.dtype}`,
      );
    }
    return { owner: name.slice(0, cut), buffer, value: tensor };
  });
  const grouped = groupBufferSets(entries, () => buffers, 'optimizer weights');
  const state = new Map<string, Record<string, LoadedBuffer>>();
  for (const [variable, tensors] of grouped) {
    const shape = tensors[buffers[0]!]!.shape;
    if (buffers.some((b) => !tf.util.arraysEqual(tensors[b]!.shape, shape))) {
      throw new StateFormatError(
        `optimizer weights for ${quote(variable)} have buffers of different shapes`,
      );
    }
    const copies: Record<string, LoadedBuffer> = {};
    const values: Record<string, Float32Array> = {};
    for (const b of buffers) {
      const data = Float32Array.from((await tensors[b]!.data()) as Float32Array);
      copies[b] = { shape: [...shape], data };
      values[b] = data;
    }
    const problem = rule(values);
    if (problem) throw stateRuleError('optimizer weights', variable, problem);
    state.set(variable, copies);
  }
  return { k, state };
}

/** An entry of `setWeights`'s list: `{ name: string, tensor: a live tf.Tensor }`. */
function checkEntry(entry: unknown, i: number): { name: string; tensor: tf.Tensor } {
  if (entry === null || typeof entry !== 'object') {
    throw new StateFormatError(
      `optimizer weight ${i} must be { name, tensor }, got ${quote(entry)}`,
    );
  }
  const { name, tensor } = entry as { name?: unknown; tensor?: unknown };
  if (typeof name !== 'string') {
    throw new StateFormatError(`optimizer weight ${i} has no string name, got ${quote(name)}`);
  }
  // By shape, not instanceof: a second copy of tfjs-core in a bundle makes tensors of another class.
  const t = tensor as Partial<tf.Tensor> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.data !== 'function' ||
    !Array.isArray(t.shape) ||
    typeof t.dtype !== 'string'
  ) {
    throw new StateFormatError(`optimizer weight ${quote(name)} is not a tensor: ${quote(tensor)}`);
  }
  if (t.isDisposed !== false) {
    throw new StateFormatError(`optimizer weight ${quote(name)} is a disposed tensor`);
  }
  return { name, tensor: t as tf.Tensor };
}
