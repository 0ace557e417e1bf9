import * as tf from '@tensorflow/tfjs-core';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';
import type { Slot } from './state-slots.js';
import type { GradientScan, StepItem } from './step-gradients.js';

/** A step's new parameter value and the new values of the buffers it changes, by name. */
export interface StepOutput {
  readonly p: tf.Tensor;
  readonly buffers: Readonly<Partial<Record<string, tf.Tensor>>>;
}

/** One parameter's step in tfjs ops (run inside `tidy`): the new parameter and buffer values. */
export type OpsStepKernel = (p: tf.Tensor, buffers: Slot, g: tf.Tensor) => StepOutput;

/**
 * The NaN/Infinity check, and entries beyond `limit` (where the square would overflow the float32
 * state), and, when `clipping`, the sum of squares, in tfjs ops, for backends whose memory cannot
 * be read directly (webgl, webgpu): one small read back for the whole step.
 */
export function scanWithOps(
  items: readonly StepItem[],
  clipping: boolean,
  limit = FLOAT32_MAX,
): GradientScan {
  if (items.length === 0) return { bad: null, sumSquares: 0 };
  const flags = tf.tidy(() =>
    tf.stack(
      items.map((item) => {
        const inRange = tf.logicalAnd(
          tf.isFinite(item.grad),
          tf.lessEqual(tf.abs(item.grad), tf.scalar(limit)),
        );
        const finite = tf.cast(tf.all(inRange), 'float32');
        const squares = clipping ? tf.sum(tf.square(item.grad)) : tf.scalar(0);
        return tf.stack([finite, squares]);
      }),
    ),
  );
  let values: ArrayLike<number>;
  try {
    values = flags.dataSync();
  } finally {
    flags.dispose();
  }
  let sumSquares = 0;
  for (let i = 0; i < items.length; i++) {
    if (values[2 * i] !== 1) return { bad: items[i]!.name, sumSquares: Number.NaN };
    sumSquares += values[2 * i + 1]!;
  }
  return { bad: null, sumSquares };
}

/** Runs `step` as tfjs ops for every item, the gradient multiplied by `scale`, and assigns. */
export function applyWithOps(
  items: readonly StepItem[],
  slotOf: (name: string) => Slot,
  step: OpsStepKernel,
  scale: number,
): void {
  for (const item of items) {
    const slot = slotOf(item.name);
    tf.tidy(() => {
      const g = scale === 1 ? item.grad : tf.mul(item.grad, tf.scalar(scale));
      const next = step(item.variable, slot, g);
      item.variable.assign(next.p);
      for (const [name, value] of Object.entries(next.buffers)) slot[name]!.assign(value!);
    });
  }
}
