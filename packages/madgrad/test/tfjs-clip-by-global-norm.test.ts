import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm, InvalidOptionError } from '../src/tfjs/index.js';
import { useBackend, values } from './tfjs-helpers.js';

describe('clipByGlobalNorm (PyTorch clip_grad_norm_ semantics)', () => {
  it('scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm', async () => {
    await useBackend('cpu');
    // Global norm of [3, 0] and [4]: 5. Closed form of torch.nn.utils.clip_grad_norm_(max_norm=1).
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor2d([[4]]);
    const before = tf.memory().numTensors;
    const clipped = clipByGlobalNorm({ a, b }, 1);
    const coef = 1 / (5 + 1e-6);
    assert.deepEqual([...values(clipped.a!)], [Math.fround(3 * coef), 0]);
    assert.deepEqual([...values(clipped.b!)], [Math.fround(4 * coef)]);
    assert.deepEqual(clipped.b!.shape, [1, 1]);
    // New tensors, inputs untouched and alive; nothing else left behind.
    assert.equal(tf.memory().numTensors, before + 2);
    assert.deepEqual([...values(a)], [3, 0]);
    tf.dispose([a, b, clipped.a!, clipped.b!]);
  });

  it('leaves gradients within the norm as they are (as new tensors), and null entries null', async () => {
    await useBackend('cpu');
    const a = tf.tensor1d([0.3, 0.4]);
    const clipped = clipByGlobalNorm({ a, none: null as unknown as tf.Tensor }, 1);
    assert.notEqual(clipped.a, a);
    assert.deepEqual([...values(clipped.a!)], [...values(a)]);
    assert.equal(clipped.none, null);
    assert.deepEqual(clipByGlobalNorm({}, 1), {});
    tf.dispose([a, clipped.a!]);
  });

  it('passes a non-finite norm on as PyTorch does, and refuses a bad maxNorm', async () => {
    await useBackend('cpu');
    // An infinite norm gives the scale 0: Infinity · 0 = NaN, finite values become 0.
    const a = tf.tensor1d([Number.POSITIVE_INFINITY, 1]);
    const clipped = clipByGlobalNorm({ a }, 1);
    assert.deepEqual([...values(clipped.a!)], [Number.NaN, 0]);
    // A NaN norm makes every gradient NaN.
    const n = tf.tensor1d([Number.NaN, 1]);
    const nanClipped = clipByGlobalNorm({ n }, 1);
    assert.ok(values(nanClipped.n!).every(Number.isNaN));
    tf.dispose([n, nanClipped.n!]);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1']) {
      assert.throws(() => clipByGlobalNorm({ a }, bad as number), InvalidOptionError);
    }
    tf.dispose([a, clipped.a!]);
  });
});
