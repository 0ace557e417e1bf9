import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from 'madgrad';
import type { EngineSession } from './engine-session.js';
import type { Hyperparameters, TfMethod } from './methods.js';
import type { EpochMetrics } from './tasks/task.js';
import type { TfModel } from './tasks/tf-model.js';

/**
 * A tfjs model under a tfjs optimizer: gradients by tf.variableGrads, coupled weight decay
 * (g + wd·x, PyTorch semantics), optional global-norm clipping; an epoch's train loss is the mean
 * of its batch losses.
 */
export function tfjsSession(
  model: TfModel,
  method: TfMethod,
  hp: Hyperparameters,
  options: { readonly stepsPerEpoch: number; readonly clipNorm?: number },
): EngineSession {
  const names = model.variables.map((v) => v.name);
  let lossSum = 0;
  return {
    step(batch, rng, lr) {
      method.setLr(lr);
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
      if (!Number.isFinite(loss)) return false;
      lossSum += loss;
      return true;
    },
    endEpoch(epoch) {
      const record: EpochMetrics = { epoch, train_loss: lossSum / options.stepsPerEpoch };
      lossSum = 0;
      for (const split of ['val', 'test'] as const) {
        for (const [key, value] of Object.entries(tf.tidy(() => model.evaluate(split)))) {
          record[`${split}_${key}`] = value;
        }
      }
      return record;
    },
    dispose() {
      method.optimizer.dispose();
      for (const v of [...model.variables, ...(model.state ?? [])]) v.dispose();
    },
  };
}
