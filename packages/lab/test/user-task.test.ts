import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { registerTask } from '../src/experiments/tasks/index.js';
import { defineTask, TaskError, tune, type UserTaskSpec } from '../src/index.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-user-task-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A linear regression on 64 examples of 2 features, as a function model. */
function regression(overrides: Partial<UserTaskSpec> = {}): UserTaskSpec {
  const x = Array.from({ length: 64 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
  const y = x.map(([a, b]) => [2 * a! - b!]);
  return {
    name: 'tiny-regression',
    data: () => ({ train: { x, y }, val: { x, y }, test: { x, y } }),
    model: () => {
      const w = tf.variable(tf.zeros([2, 1]));
      return { variables: [w], predict: (input: tf.Tensor) => tf.matMul(input, w) };
    },
    loss: 'mse',
    metric: { name: 'loss', higherIsBetter: false },
    epochs: 2,
    batchSize: 16,
    ...overrides,
  };
}

let outs = 0;
const smoke = () => ({
  preset: 'smoke' as const,
  out: join(temp, `out-${++outs}`),
  backend: 'cpu' as const,
});

/** The one-line error tune rejects with, for a task that cannot run. */
async function tuneError(spec: UserTaskSpec): Promise<string> {
  try {
    await tune(spec, smoke());
  } catch (e) {
    assert.ok(e instanceof TaskError, `not a TaskError: ${e}`);
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail('tune accepted the task');
}

describe('defineTask', () => {
  it('names each mistake of a spec in one line', () => {
    const bad = {
      ...regression(),
      metric: { name: 'score', higherIsBetter: 'yes' },
      batchSize: 0,
      colour: 'red',
    } as unknown as UserTaskSpec;
    assert.throws(
      () => defineTask(bad),
      (e: Error) => {
        const lines = e.message.split('\n');
        assert.ok(
          lines.includes(
            `task "tiny-regression": metric.higherIsBetter must be a boolean, got 'yes'`,
          ),
          e.message,
        );
        assert.ok(
          lines.some((l) => /metric "score" needs a compute function/.test(l)),
          e.message,
        );
        assert.ok(
          lines.some((l) => /batchSize must be a whole number from 1 to 1000000, got 0/.test(l)),
        );
        assert.ok(lines.some((l) => /unknown field 'colour'/.test(l)));
        return e instanceof TaskError;
      },
    );
    assert.throws(
      () => defineTask({ ...regression(), name: 'Digits!' }),
      /task "Digits!": name must be a lowercase letter/,
    );
    assert.throws(
      () => defineTask({ ...regression(), loss: 'hinge' as 'mse' }),
      /loss must be one of mse, crossentropy/,
    );
  });

  it("refuses a built-in task's name when registered", () => {
    assert.throws(
      () => registerTask(defineTask({ ...regression(), name: 'digits' })),
      /is a built-in task's/,
    );
  });
});

describe('tune on a bad task: one line, before any run', () => {
  it('data() or model() that throws', async () => {
    const data = await tuneError(
      regression({ name: 'bad-data', data: () => Promise.reject(new Error('no file\nhere')) }),
    );
    assert.equal(data, 'task "bad-data": data() threw: no file here');
    const model = await tuneError(
      regression({
        name: 'bad-model',
        model: () => {
          throw new Error('no layers');
        },
      }),
    );
    assert.equal(model, 'task "bad-model": model(0) threw: no layers');
  });

  it('mismatched shapes: inputs against targets, outputs against targets', async () => {
    const x = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const counts = await tuneError(
      regression({
        name: 'bad-count',
        batchSize: 1,
        data: () => ({
          train: { x, y: [[1], [2]] },
          val: { x, y: [[1], [2], [3]] },
          test: { x, y: [[1], [2], [3]] },
        }),
      }),
    );
    assert.equal(counts, 'task "bad-count": data().train has 3 inputs (x) but 2 targets (y)');
    const outputs = await tuneError(
      regression({
        name: 'bad-outputs',
        model: () => {
          const w = tf.variable(tf.zeros([2, 3]));
          return { variables: [w], predict: (input: tf.Tensor) => tf.matMul(input, w) };
        },
      }),
    );
    assert.match(
      outputs,
      /^task "bad-outputs": the model's outputs have shape \[16,3\] but the targets \[16,1\]/,
    );
  });

  it('a model whose parameters the optimizer cannot see', async () => {
    const none = await tuneError(
      regression({
        name: 'no-variables',
        model: () => ({ variables: [], predict: (input: tf.Tensor) => tf.sum(input, 1, true) }),
      }),
    );
    assert.match(none, /^task "no-variables": the model has no trainable variables/);
    const unused = await tuneError(
      regression({
        name: 'unused-variable',
        model: () => {
          const w = tf.variable(tf.zeros([2, 1]), true, 'used_w');
          const v = tf.variable(tf.zeros([1]), true, 'unused_v');
          return { variables: [w, v], predict: (input: tf.Tensor) => tf.matMul(input, w) };
        },
      }),
    );
    assert.equal(
      unused,
      'task "unused-variable": the loss does not depend on variable "unused_v" (the optimizer cannot train it)',
    );
  });

  it('a model whose initial weights are not seeded', async () => {
    const unseeded = await tuneError(
      regression({
        name: 'unseeded',
        // A seed of 0 is no seed for tfjs: two builds differ.
        model: (seed) => {
          const w = tf.variable(tf.randomNormal([2, 1], 0, 1, 'float32', seed), true, 'named_w');
          return { variables: [w], predict: (input: tf.Tensor) => tf.matMul(input, w) };
        },
      }),
    );
    assert.equal(
      unseeded,
      'task "unseeded": two models built with seed 0 start from different weights (variable 0, "named_w"): seed every initialiser from the seed (tfjs takes a seed of 0 as none: pass seed + 1)',
    );
  });

  it('a metric that is not a number', async () => {
    const metric = await tuneError(
      regression({
        name: 'bad-metric',
        metric: { name: 'score', higherIsBetter: true, compute: () => 'high' as unknown as number },
      }),
    );
    assert.equal(metric, 'task "bad-metric": metric "score" must compute a number, got string');
  });

  it('NaN losses: every run is recorded as diverged, and nothing is recommended', async () => {
    const result = await tune(
      regression({
        name: 'nan-loss',
        loss: (y: tf.Tensor, p: tf.Tensor) =>
          tf.mul(tf.mean(tf.squaredDifference(p, y)), Number.NaN) as tf.Scalar,
      }),
      smoke(),
    );
    assert.deepEqual(
      result.methods.map((m) => [m.method, m.seedsDiverged]),
      [
        ['madgrad', 1],
        ['adam', 1],
        ['sgd', 1],
      ],
    );
    assert.equal(result.recommended, null);
  });
});
