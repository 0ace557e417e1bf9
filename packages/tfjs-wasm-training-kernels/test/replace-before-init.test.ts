/**
 * replaceSlowWasmKernels() may run before the wasm backend starts: the backend's setup of the
 * kernels it replaced still runs, so their fallbacks (here NCHW) work once it has started.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { replaceableKernelNames, replaceSlowWasmKernels } from '../src/index.js';
import { readyBackends, relativeError, runOn, seeded, values } from './helpers.js';

describe('replacing before the backend starts', () => {
  it('keeps the replaced kernels usable as fallbacks', async () => {
    assert.equal(tf.findBackend('wasm'), null, 'the wasm backend has not started yet');
    assert.deepEqual(replaceSlowWasmKernels(), [...replaceableKernelNames]);
    await readyBackends();
    const random = seeded(95);
    const inputs = {
      dy: { values: values(random, 2 * 3 * 5 * 4), shape: [2, 3, 5, 4] },
      filter: { values: values(random, 3 * 2 * 2 * 3), shape: [3, 2, 2, 3] },
    };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 2, 5, 4] };
    const want = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    assert.ok(relativeError(got.values, want.values) <= 1e-4);
  });
});
