import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Parameter } from 'madgrad';
import { mulberry32 } from 'madgrad/experimental';
import { Rng } from '../src/experiments/data/rng.js';
import type { Task } from '../src/experiments/tasks/index.js';
import type { CoreTask, TaskSize } from '../src/experiments/tasks/task.js';
import { trainRun } from '../src/experiments/training.js';

const SIZE: TaskSize = { train: 4, val: 1, test: 1, epochs: 2, batchSize: 2, width: 0 };

/** A task of one number w with loss ½(w − 3)², on the core engine. */
function quadraticTask(seen: { stepsPerEpoch?: number }, clipNorm?: number): Task {
  const task: CoreTask<'digits', null> = {
    name: 'digits',
    engine: 'core',
    about: { mirrors: 'nothing', data: 'none', model: 'one number' },
    metric: { key: 'loss', label: 'loss', higherIsBetter: false },
    extraMetrics: [],
    ...(clipNorm !== undefined ? { clipNorm } : {}),
    available: { train: 4, val: 1, test: 1 },
    sizes: { smoke: SIZE, quick: SIZE, standard: SIZE, full: SIZE },
    schedule(_size, stepsPerEpoch) {
      seen.stepsPerEpoch = stepsPerEpoch;
      return { kind: 'constant' };
    },
    data: () => null,
    model() {
      const w: Parameter = { name: 'w', shape: [1], value: new Float32Array(1) };
      const loss = () => 0.5 * (w.value[0]! - 3) ** 2;
      return {
        parameters: [w],
        gradient: () => ({ w: Float32Array.of(w.value[0]! - 3) }),
        evaluate: () => ({ train_loss: loss(), val_loss: loss(), test_loss: loss() }),
      };
    },
  };
  return task;
}

describe('the training loop', () => {
  it('drives a core task: schedule given its steps per epoch, SGD iterates in closed form', async () => {
    const seen: { stepsPerEpoch?: number } = {};
    const lr = 0.25;
    const outcome = await trainRun(quadraticTask(seen), {
      method: 'sgd',
      hyperparameters: { lr, weightDecay: 0, momentum: 0 },
      seed: 0,
      size: SIZE,
    });
    assert.equal(outcome.status, 'ok');
    assert.equal(seen.stepsPerEpoch, 2);
    // w_k = 3 − 3(1 − lr)^k after k plain gradient steps from 0.
    for (const [i, e] of outcome.epochs.entries()) {
      const k = 2 * (i + 1);
      assert.equal(e.step, k);
      const w = 3 - 3 * (1 - lr) ** k;
      assert.ok(
        Math.abs(e.train_loss! - 0.5 * (w - 3) ** 2) < 1e-6,
        `${e.train_loss} at step ${k}`,
      );
    }
  });

  it('refuses clipping or weight decay on the core engine instead of ignoring them', async () => {
    await assert.rejects(
      trainRun(quadraticTask({}, 1), {
        method: 'sgd',
        hyperparameters: { lr: 0.1, weightDecay: 0 },
        seed: 0,
        size: SIZE,
      }),
      /core engine/,
    );
  });

  it('the seeded streams are the library mulberry32 (sequences pinned from before they shared it)', () => {
    const r = new Rng(0);
    assert.deepEqual(
      [r.next(), r.next(), r.next()],
      [0.3588899802416563, 0.10590326134115458, 0.675290479324758],
    );
    const r2 = new Rng(123456789);
    assert.deepEqual([r2.next(), r2.next()], [0.18891781358979642, 0.4848657972179353]);
    assert.equal(new Rng(-5).next(), 0.6532046326901764);
    const m = mulberry32(42);
    const again = mulberry32(42);
    assert.deepEqual([m(), m()], [again(), again()]);
    assert.deepEqual(
      new Rng(7).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      [4, 2, 6, 8, 7, 1, 0, 5, 3, 9],
    );
  });
});
