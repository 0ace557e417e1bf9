import * as tf from '@tensorflow/tfjs-core';
import type { UserSplit } from './user-task-spec.js';

/** A user task's split as tensors, kept for the life of the process. */
export interface SplitTensors {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor;
  readonly count: number;
}

/** The three splits as tensors. */
export interface DataTensors {
  readonly train: SplitTensors;
  readonly val: SplitTensors;
  readonly test: SplitTensors;
}

/** An error of a user's task: one line, naming the task. */
export class TaskError extends Error {
  override readonly name = 'TaskError';
}

/** An exception's message as one line of at most 300 characters. */
export function messageOf(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

const isTensor = (v: unknown): v is tf.Tensor => v instanceof tf.Tensor;

function tensorOf(at: string, field: string, value: unknown): tf.Tensor {
  if (isTensor(value)) {
    if (value.isDisposed) throw new TaskError(`${at}: ${field} is a disposed tensor`);
    return tf.keep(value.clone());
  }
  if (value === undefined || value === null || typeof value !== 'object') {
    throw new TaskError(`${at}: ${field} must be a tensor or an array, got ${String(value)}`);
  }
  try {
    return tf.keep(tf.tensor(value as tf.TensorLike));
  } catch (e) {
    throw new TaskError(`${at}: ${field} cannot be made a tensor (${messageOf(e)})`);
  }
}

function splitOf(at: string, name: string, split: UserSplit | undefined): SplitTensors {
  if (typeof split !== 'object' || split === null) {
    throw new TaskError(
      `${at}: data() must return { train, val, test }, each { x, y }; ${name} is ${String(split)}`,
    );
  }
  const x = tensorOf(at, `data().${name}.x`, split.x);
  const y = tensorOf(at, `data().${name}.y`, split.y);
  const count = x.shape[0] ?? 0;
  if (x.rank === 0 || count === 0) {
    throw new TaskError(`${at}: data().${name}.x holds no examples (shape [${x.shape.join(',')}])`);
  }
  if (y.shape[0] !== count) {
    throw new TaskError(
      `${at}: data().${name} has ${count} inputs (x) but ${y.shape[0] ?? 0} targets (y)`,
    );
  }
  for (const [field, t] of [
    ['x', x],
    ['y', y],
  ] as const) {
    if (t.dtype === 'string')
      throw new TaskError(`${at}: data().${name}.${field} holds strings, not numbers`);
  }
  return { x, y, count };
}

/** The shape of one example of a tensor (every axis but the first). */
const exampleShape = (t: tf.Tensor) => t.shape.slice(1).join(',');

/**
 * The data a user's `data()` returned, as tensors: every split with as many targets as inputs and
 * the same example shapes as the training split. Throws `TaskError` naming the first mistake.
 */
export function dataTensors(at: string, data: unknown): DataTensors {
  if (typeof data !== 'object' || data === null) {
    throw new TaskError(`${at}: data() must return { train, val, test }, got ${String(data)}`);
  }
  const d = data as Record<string, UserSplit | undefined>;
  const train = splitOf(at, 'train', d.train);
  const val = splitOf(at, 'val', d.val);
  const test = splitOf(at, 'test', d.test);
  for (const [name, split] of [
    ['val', val],
    ['test', test],
  ] as const) {
    for (const field of ['x', 'y'] as const) {
      if (exampleShape(split[field]) !== exampleShape(train[field])) {
        throw new TaskError(
          `${at}: data().${name}.${field} has examples of shape [${exampleShape(split[field])}], data().train.${field} of [${exampleShape(train[field])}]`,
        );
      }
    }
  }
  return { train, val, test };
}
