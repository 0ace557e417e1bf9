import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from 'madgrad';
import { createTfMethod, methodLrFactor } from './methods.js';
import { Rng } from './rng.js';
import { lrMultiplierFor, type Schedule } from './schedules.js';
import type { EpochMetrics, RunContext, TaskOutcome } from './tasks/task.js';

/** A model of a tfjs task, as the generic training loop sees it. */
export interface TfModel {
  readonly variables: readonly tf.Variable[];
  /** The training loss on these training examples (augmentation may use rng). */
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

export function isFiniteNumber(x: number): boolean {
  return Number.isFinite(x);
}

/**
 * The training loop every tfjs task shares: seeded batch order, the task's schedule on the base
 * learning rate, coupled weight decay (g + wd·x, PyTorch semantics), optional global-norm
 * clipping, and an evaluation on val and test after every epoch. A non-finite loss stops the run
 * as `diverged`.
 */
export function trainTf(
  ctx: RunContext,
  model: TfModel,
  schedule: Schedule,
  options: { clipNorm?: number } = {},
): TaskOutcome {
  const { size, hyperparameters: hp } = ctx;
  const rng = new Rng(ctx.seed * 7919 + 17);
  const method = createTfMethod(ctx.method, hp);
  const stepsPerEpoch = Math.max(1, Math.floor(size.train / size.batchSize));
  const total = stepsPerEpoch * size.epochs;
  const multiplier = lrMultiplierFor(schedule, total);
  const epochs: EpochMetrics[] = [];
  const order = Array.from({ length: size.train }, (_, i) => i);
  const names = model.variables.map((v) => v.name);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= size.epochs; epoch++) {
      rng.shuffle(order);
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const batch = order.slice(b * size.batchSize, (b + 1) * size.batchSize);
        method.setLr(hp.lr * multiplier(step) * methodLrFactor(ctx.method, step));
        const loss = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(
            () => model.loss(batch, rng),
            [...model.variables],
          );
          const lossValue = value.dataSync()[0]!;
          if (!Number.isFinite(lossValue)) return lossValue;
          let adjusted: tf.NamedTensorMap = grads;
          if (hp.weightDecay > 0) {
            adjusted = {};
            for (const v of model.variables) {
              adjusted[v.name] = tf.add(grads[v.name]!, tf.mul(v, hp.weightDecay));
            }
          }
          if (options.clipNorm !== undefined) {
            const norm = Math.sqrt(
              tf.addN(names.map((n) => tf.sum(tf.square(adjusted[n]!)))).dataSync()[0]!,
            );
            const scale = clipScale(norm, options.clipNorm);
            if (scale < 1) {
              const clipped: tf.NamedTensorMap = {};
              for (const n of names) clipped[n] = tf.mul(adjusted[n]!, scale);
              adjusted = clipped;
            }
          }
          method.optimizer.applyGradients(adjusted);
          return lossValue;
        });
        step += 1;
        ctx.onStep?.(step, total);
        if (!Number.isFinite(loss)) return { epochs, status: 'diverged' };
        lossSum += loss;
      }
      const record: EpochMetrics = { epoch, train_loss: lossSum / stepsPerEpoch };
      for (const split of ['val', 'test'] as const) {
        for (const [key, value] of Object.entries(tf.tidy(() => model.evaluate(split)))) {
          record[`${split}_${key}`] = value;
        }
      }
      epochs.push(record);
      ctx.onEpoch?.(record);
      if (Object.values(record).some((v) => !Number.isFinite(v))) {
        return { epochs, status: 'diverged' };
      }
    }
    return { epochs, status: 'ok' };
  } finally {
    method.optimizer.dispose();
    for (const v of model.variables) v.dispose();
  }
}
