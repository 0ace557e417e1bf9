import * as tf from '@tensorflow/tfjs-core';
import type { Slot } from './state-slots.js';
import type { GradientScan, StepItem } from './step-gradients.js';

/** One parameter's step in tfjs ops (run inside `tidy`): the new parameter and buffer values. */
export type OpsStepKernel = (
  p: tf.Tensor,
  buffers: Record<string, tf.Tensor>,
  g: tf.Tensor,
) => { p: tf.Tensor; buffers: Record<string, tf.Tensor> };

/**
 * The NaN/Infinity check (and, when `clipping`, the sum of squares) in tfjs ops, for backends
 * whose memory cannot be read directly (webgl, webgpu): one small read back for the whole step.
 */
export function scanWithOps(items: readonly StepItem[], clipping: boolean): GradientScan {
  if (items.length === 0) return { bad: null, sumSquares: 0 };
  const flags = tf.tidy(() =>
    tf.stack(
      items.map((item) => {
        const finite = tf.cast(tf.all(tf.isFinite(item.grad)), 'float32');
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
      for (const [name, value] of Object.entries(next.buffers)) slot[name]!.assign(value);
    });
  }
}
