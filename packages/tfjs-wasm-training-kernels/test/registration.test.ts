/**
 * The package registers its kernels for wasm only, and only where the backend has none of that
 * name: a tfjs that adds one keeps its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

const NAMES = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
];

const snapshot = (backend: string) =>
  new Map(tf.getKernelsForBackend(backend).map((k) => [k.kernelName, k.kernelFunc]));

describe('registration', () => {
  it('adds exactly the missing wasm kernels on import and leaves other backends alone', async () => {
    const cpuBefore = snapshot('cpu');
    const wasmBefore = snapshot('wasm');
    // All four on tfjs 4.22; a later tfjs's own kernels are kept (next test).
    const missing = NAMES.filter((name) => !wasmBefore.has(name));
    const pkg = await import('../src/index.js');
    assert.deepEqual([...pkg.registeredOnImport].sort(), missing.sort());
    assert.deepEqual([...pkg.trainingKernelNames].sort(), [...NAMES].sort());
    const wasmAfter = snapshot('wasm');
    for (const [name, func] of wasmBefore) assert.equal(wasmAfter.get(name), func, name);
    assert.equal(wasmAfter.size, wasmBefore.size + missing.length);
    assert.deepEqual(snapshot('cpu'), cpuBefore);
    assert.deepEqual(pkg.registerTrainingKernels(), [], 'a second registration adds nothing');
  });

  it('registers nothing whose name the backend already has', async () => {
    const pkg = await import('../src/index.js');
    const theirs = () => {
      throw new Error('a future tfjs kernel');
    };
    tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: theirs,
    });
    try {
      assert.deepEqual(pkg.registerTrainingKernels(), []);
      assert.equal(tf.getKernel('UnsortedSegmentSum', 'wasm')!.kernelFunc, theirs);
    } finally {
      tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    }
    assert.deepEqual(pkg.registerTrainingKernels(), ['UnsortedSegmentSum']);

    const conv2D = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    const impostor = { kernelName: 'Conv2D', backendName: 'wasm', kernelFunc: theirs };
    assert.deepEqual(pkg.registerTrainingKernels([impostor]), []);
    assert.equal(tf.getKernel('Conv2D', 'wasm')!.kernelFunc, conv2D);
  });
});
