import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  InvalidOptionError,
  learningRateScheduler,
  type MadgradOptimizer,
  madgrad,
  stepDecay,
} from '../src/tfjs/index.js';
import { useBackend } from './tfjs-helpers.js';

function compiled(optimizer: tf.Optimizer): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

const data = () =>
  [tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor2d([1, 0, 1], [3, 1])] as const;
const schedule = stepDecay({ lr: 0.04, boundaries: [1, 3], factor: 0.5 });

describe('learningRateScheduler acts on the model’s own optimizer or refuses another', () => {
  it('sets the learning rate of the model’s optimizer before each epoch', async () => {
    await useBackend('cpu');
    const optimizer = madgrad(1);
    const model = compiled(optimizer);
    const [xs, ys] = data();
    const history = await model.fit(xs, ys, {
      epochs: 4,
      verbose: 0,
      batchSize: 1,
      callbacks: [learningRateScheduler(optimizer, schedule)],
    });
    assert.deepEqual(history.history.lr, [0.04, 0.02, 0.02, 0.01]);
    assert.equal(optimizer.learningRate, 0.01);
    model.dispose();
    optimizer.dispose();
    tf.dispose([xs, ys]);
  });

  it('also through model.optimizer of a loaded model, and with skipped steps', async () => {
    await useBackend('cpu');
    const model = compiled(madgrad(1, { nonFinite: 'skip' }));
    const [xs, ys] = [tf.tensor2d([1, Number.NaN], [1, 2]), tf.tensor2d([1], [1, 1])];
    await model.fit(xs, ys, {
      epochs: 2,
      verbose: 0,
      callbacks: [learningRateScheduler(model.optimizer as MadgradOptimizer, schedule)],
    });
    assert.equal((model.optimizer as MadgradOptimizer).skippedSteps, 2);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('stops fit at the first batch when given an optimizer that is not the model’s', async () => {
    await useBackend('cpu');
    const modelsOptimizer = madgrad(1);
    const model = compiled(modelsOptimizer);
    const [xs, ys] = data();
    await assert.rejects(
      model.fit(xs, ys, {
        epochs: 2,
        verbose: 0,
        batchSize: 1,
        callbacks: [learningRateScheduler(madgrad(1e-2), schedule)],
      }),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        /not the optimizer of the model/.test(e.message) &&
        /model\.compile/.test(e.message),
    );
    assert.equal(modelsOptimizer.iterations, 1, 'fit stopped after the first batch');
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('refuses an optimizer without a settable learning rate at once', () => {
    assert.throws(
      () => learningRateScheduler(tf.train.adam(0.1) as never, schedule),
      /MadgradOptimizer or MirrorMadgradOptimizer/,
    );
  });
});
