/** Every kernel frees its intermediates on the wasm heap: only its output stays allocated. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  type FilterGradientMethod,
  type InputGradientMethod,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setFilterGradientMethod,
  setInputGradientMethod,
} from '../src/index.js';
import { readyBackends } from './helpers.js';

/** Data buckets the active backend holds. */
const buckets = () => tf.engine().backend.numDataIds();

function leaves(name: string, inputs: Record<string, tf.Tensor>, attrs: object): number {
  const before = buckets();
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
  const held = buckets() - before;
  out.dispose();
  return held;
}

describe('wasm heap after each kernel', () => {
  before(async () => {
    await readyBackends();
    await tf.setBackend('wasm');
  });

  it('holds only the output', () => {
    const x = tf.ones([2, 6, 5, 3]);
    const dy = tf.ones([2, 3, 3, 4]);
    const depthDy = tf.ones([2, 6, 5, 6]);
    const filter = tf.ones([3, 3, 3, 2]);
    const methods: FilterGradientMethod[] = [
      'auto',
      'dy-as-filter',
      'x-as-filter',
      'im2col-matmul',
    ];
    for (const method of methods) {
      setFilterGradientMethod(method);
      for (const [stride, grad] of [
        [2, dy],
        [1, tf.ones([2, 6, 5, 4])],
      ] as const) {
        const attrs = {
          strides: stride,
          pad: 'same',
          dataFormat: 'NHWC',
          filterShape: [3, 3, 3, 4],
        };
        assert.equal(leaves('Conv2DBackpropFilter', { x, dy: grad }, attrs), 1, method);
      }
    }
    setFilterGradientMethod('auto');
    const common = { strides: 1, dilations: 1, pad: 'same' };
    assert.equal(
      leaves(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy: depthDy },
        { ...common, filterShape: [3, 3, 3, 2] },
      ),
      1,
    );
    assert.equal(
      leaves(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: depthDy, filter },
        { ...common, inputShape: [2, 6, 5, 3] },
      ),
      1,
    );
    const ids = tf.tensor1d([0, 1, 0], 'int32');
    assert.equal(
      leaves('UnsortedSegmentSum', { x: tf.ones([3, 4]), segmentIds: ids }, { numSegments: 2 }),
      1,
    );
  });

  it('holds only the output after the faster kernels', () => {
    replaceSlowWasmKernels();
    try {
      const methods: InputGradientMethod[] = ['auto', 'direct', 'spread', 'sub-convolutions'];
      for (const method of methods) {
        setInputGradientMethod(method);
        for (const stride of [1, 2]) {
          const dy = tf.ones([2, stride === 1 ? 6 : 3, stride === 1 ? 5 : 3, 4]);
          const attrs = {
            strides: stride,
            pad: 'same',
            dataFormat: 'NHWC',
            inputShape: [2, 6, 5, 3],
          };
          const filter = tf.ones([3, 3, 3, 4]);
          assert.equal(leaves('Conv2DBackpropInput', { dy, filter }, attrs), 1, method);
        }
      }
      setInputGradientMethod('auto');
      const input = tf.ones([2, 6, 6, 3]);
      const output = tf.ones([2, 3, 3, 3]);
      const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
      assert.equal(leaves('MaxPoolGrad', { dy: output, input, output }, attrs), 1);
      const x = tf.ones([2, 6, 5, 3]);
      const dy = tf.ones([2, 6, 5, 4]);
      const filterAttrs = {
        strides: 1,
        pad: 'same',
        dataFormat: 'NHWC',
        filterShape: [3, 3, 3, 4],
      };
      assert.equal(leaves('Conv2DBackpropFilter', { x, dy }, filterAttrs), 1);
      assert.equal(leaves('Sum', { x }, { axis: [0, 1, 2], keepDims: false }), 1);
    } finally {
      restoreWasmKernels();
    }
  });
});
