import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import '@tensorflow/tfjs-backend-cpu';
import { setBackend } from '@tensorflow/tfjs-core';
import { packDigits } from '../plugins/digits-asset.js';
import { BatchSchedule } from '../src/train/batches.js';
import { PIXELS, parseDigits } from '../src/train/digits.js';
import { createOptimizer, TRAIN_METHODS } from '../src/train/methods.js';
import { batchTensors, Trainer } from '../src/train/trainer.js';

await setBackend('cpu');

describe('training page: method construction', () => {
  it('every listed method builds an optimizer; unknown names and bad rates are refused', () => {
    for (const m of TRAIN_METHODS) assert.ok(createOptimizer(m.id, m.defaultLr));
    assert.throws(() => createOptimizer('rmsprop', 0.1), /unknown training method "rmsprop"/);
    assert.throws(() => createOptimizer('adam', 0), /learning rate/);
  });
});

describe('training page: data', () => {
  const { train, test } = parseDigits(packDigits().buffer as ArrayBuffer);

  it('packs 3000 training and 500 test digits from the mnist package, all classes balanced', () => {
    assert.equal(train.count, 3000);
    assert.equal(test.count, 500);
    assert.equal(train.images.length, 3000 * PIXELS);
    for (const set of [train, test]) {
      const perClass = new Array(10).fill(0);
      for (const l of set.labels) perClass[l]++;
      assert.deepEqual(perClass, new Array(10).fill(set.count / 10));
    }
    const mean = train.images.reduce((s, v) => s + v, 0) / train.images.length;
    assert.ok(mean > 0.05 && mean < 0.3, `mean pixel ${mean}`); // ink on a dark background
  });

  it('rejects a file of the wrong format', () => {
    assert.throws(() => parseDigits(new ArrayBuffer(32)), /expected format/);
  });

  it('batches are a fresh permutation each epoch and replay with the same seed', () => {
    const a = new BatchSchedule(10, 5, 3);
    const b = new BatchSchedule(10, 5, 3);
    const epoch = [...a.next(), ...a.next()].sort((x, y) => x - y);
    assert.deepEqual(epoch, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    b.next();
    b.next();
    assert.deepEqual(a.next(), b.next());
    assert.throws(() => new BatchSchedule(10, 11, 1), /batch size/);
  });

  it('a MADGRAD-trained perceptron lowers the loss within 60 steps', () => {
    const trainer = new Trainer('madgrad', 0.01, 1);
    const schedule = new BatchSchedule(train.count, 32, 1);
    const losses: number[] = [];
    for (let k = 0; k < 60; k++) {
      const { x, y } = batchTensors(train, schedule.next());
      const loss = trainer.step(x, y);
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
      x.dispose();
      y.dispose();
    }
    const mean = (v: number[]) => v.reduce((s, c) => s + c, 0) / v.length;
    assert.ok(mean(losses.slice(-10)) < 0.6 * mean(losses.slice(0, 10)), `${losses}`);
    trainer.dispose();
  });
});
