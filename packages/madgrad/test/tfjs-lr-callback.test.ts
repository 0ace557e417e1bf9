import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, learningRateScheduler, madgrad, stepDecay } from '../src/tfjs/index.js';
import { useBackend } from './tfjs-helpers.js';

function compiled(optimizer: tf.Optimizer): tfl.Sequential {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 1 })] });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

const data = () => [tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]), tf.tensor2d([1, 0, 1], [3, 1])] as const;
const schedule = stepDecay({ lr: 0.04, boundaries: [1, 3], factor: 0.5 });

describe('learningRateScheduler acts on the model that model.fit trains', () => {
  it('given only a schedule, sets the learning rate of the model’s own optimizer', async () => {
    await useBackend('cpu');
    const optimizer = madgrad(1);
    const model = compiled(optimizer);
    const [xs, ys] = data();
    const history = await model.fit(xs, ys, {
      epochs: 4,
      verbose: 0,
      callbacks: [learningRateScheduler(schedule)],
    });
    assert.deepEqual(history.history.lr, [0.04, 0.02, 0.02, 0.01]);
    assert.equal(optimizer.learningRate, 0.01);
    model.dispose();
    optimizer.dispose();
    tf.dispose([xs, ys]);
  });

  it('refuses an optimizer that is not the model’s, naming the fix', async () => {
    await useBackend('cpu');
    const modelsOptimizer = madgrad(1);
    const model = compiled(modelsOptimizer);
    const [xs, ys] = data();
    await assert.rejects(
      model.fit(xs, ys, {
        epochs: 2,
        verbose: 0,
        callbacks: [learningRateScheduler(madgrad(1e-2), schedule)],
      }),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        /not the optimizer of the model/.test(e.message) &&
        /learningRateScheduler\(schedule\)/.test(e.message),
    );
    assert.equal(modelsOptimizer.learningRate, 1, 'nothing was changed');
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('refuses a model whose optimizer has no settable learning rate', async () => {
    await useBackend('cpu');
    const model = compiled(tf.train.adam(0.1));
    const [xs, ys] = data();
    await assert.rejects(
      model.fit(xs, ys, { epochs: 1, verbose: 0, callbacks: [learningRateScheduler(schedule)] }),
      /MadgradOptimizer or MirrorMadgradOptimizer/,
    );
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('called outside model.fit without an optimizer, says what it needs', async () => {
    const callback = learningRateScheduler(schedule);
    await assert.rejects(callback.onEpochBegin(0), /model\.fit/);
  });
});
