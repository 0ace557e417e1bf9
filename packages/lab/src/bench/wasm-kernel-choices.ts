/**
 * Kernel-level timings behind tfjs-wasm-training-kernels' choices of method: the filter gradient's
 * methods, and the opt-in faster Conv2DBackpropInput's and MaxPoolGrad's against the wasm
 * backend's own kernels. Printed by `node packages/lab/dist/src/bench/training-bench.js
 * --filter-gradient` and `... --slow-kernels`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  type FilterGradientMethod,
  type InputGradientMethod,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setFilterGradientMethod,
  setInputGradientMethod,
} from 'tfjs-wasm-training-kernels';

/** [batch, height, width, inChannels, outChannels, kernel, stride] of each filter-gradient case. */
export const FILTER_GRADIENT_SHAPES = [
  [64, 28, 28, 1, 16, 3, 1],
  [64, 14, 14, 16, 32, 3, 1],
  [64, 16, 16, 32, 32, 3, 2],
  [64, 8, 8, 64, 64, 3, 1],
  [64, 8, 8, 64, 64, 1, 1],
] as const;

export const FILTER_METHODS: FilterGradientMethod[] = [
  'auto',
  'dy-as-filter',
  'x-as-filter',
  'im2col-matmul',
];

/**
 * Median milliseconds of Conv2DBackpropFilter on wasm by each method, 'same' padding, for each
 * shape; dy is a fresh tensor every call, as in training (XNNPACK repacks a new filter operand).
 */
export async function benchFilterGradient(
  reps = 15,
): Promise<{ shape: readonly number[]; ms: Record<FilterGradientMethod, number> }[]> {
  await tf.setBackend('wasm');
  const out = [];
  for (const shape of FILTER_GRADIENT_SHAPES) {
    const [b, h, w, ci, co, k, s] = shape;
    const x = tf.randomNormal([b, h, w, ci], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([b, Math.ceil(h / s), Math.ceil(w / s), co], 0, 1, 'float32', 2);
    const ms = {} as Record<FilterGradientMethod, number>;
    for (const method of FILTER_METHODS) {
      setFilterGradientMethod(method);
      ms[method] = medianMs(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: [s, s], pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, ci, co] },
        'dy',
        reps,
      );
    }
    setFilterGradientMethod('auto');
    tf.dispose([x, dy]);
    out.push({ shape, ms });
  }
  return out;
}

/** [batch, height, width, inChannels, outChannels, kernel, stride] of each input-gradient case. */
export const INPUT_GRADIENT_SHAPES = [
  [64, 14, 14, 16, 32, 3, 1],
  [64, 16, 16, 32, 32, 3, 2],
  [64, 16, 16, 16, 32, 5, 2],
  [64, 8, 8, 64, 64, 3, 1],
] as const;

/** Filter-gradient cases of the direct loop: [b, h, w, ci, co, kernel, stride]. */
export const DIRECT_FILTER_SHAPES = [
  [64, 28, 28, 1, 16, 3, 1],
  [64, 28, 28, 3, 16, 3, 1],
  [64, 14, 14, 4, 32, 3, 1],
  [64, 14, 14, 8, 32, 3, 1],
] as const;

/**
 * Median milliseconds of one kernel call; `fresh` makes a new copy of the operand that XNNPACK
 * would take as a filter (as in training, where it is new every step), outside the timing.
 */
function medianMs(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: object,
  fresh: string,
  reps: number,
): number {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const copy = tf.add(inputs[fresh]!, 0);
    const t = performance.now();
    const out = tf
      .engine()
      .runKernel(name, { ...inputs, [fresh]: copy }, attrs as never) as tf.Tensor;
    if (i > 0) times.push(performance.now() - t);
    tf.dispose([out, copy]);
  }
  times.sort((a, b) => a - b);
  return Number(times[times.length >> 1]!.toFixed(2));
}

/** One row of {@link benchSlowKernels}: a kernel on one shape, milliseconds by variant. */
export interface KernelTiming {
  readonly case: string;
  readonly ms: Record<string, number>;
}

/**
 * Median milliseconds on wasm of each kernel replaceSlowWasmKernels replaces, before ('own': the
 * backend's kernel, or for Conv2DBackpropFilter this package's default) and after ('faster');
 * for Conv2DBackpropInput also each method of the faster kernel (one that does not apply runs
 * 'spread'). Convolutions with 'same' padding, pooling 2x2 with stride 2.
 */
export async function benchSlowKernels(reps = 10): Promise<KernelTiming[]> {
  await tf.setBackend('wasm');
  const rows: KernelTiming[] = [];
  const time = (
    name: string,
    label: string,
    inputs: Record<string, tf.Tensor>,
    attrs: object,
    fresh: string,
    methods: InputGradientMethod[] = [],
  ) => {
    const ms: Record<string, number> = { own: medianMs(name, inputs, attrs, fresh, reps) };
    replaceSlowWasmKernels();
    ms.faster = medianMs(name, inputs, attrs, fresh, reps);
    for (const method of methods) {
      setInputGradientMethod(method);
      ms[method] = medianMs(name, inputs, attrs, fresh, reps);
    }
    setInputGradientMethod('auto');
    restoreWasmKernels();
    tf.dispose(Object.values(inputs));
    rows.push({ case: `${name} ${label}`, ms });
  };
  for (const shape of INPUT_GRADIENT_SHAPES) {
    const [b, h, w, ci, co, k, s] = shape;
    const filter = tf.randomNormal([k, k, ci, co], 0, 1, 'float32', 3);
    const dy = tf.randomNormal([b, Math.ceil(h / s), Math.ceil(w / s), co], 0, 1, 'float32', 4);
    const attrs = { strides: [s, s], pad: 'same', dataFormat: 'NHWC', inputShape: [b, h, w, ci] };
    const methods: InputGradientMethod[] = ['direct', 'spread', 'sub-convolutions'];
    time('Conv2DBackpropInput', `[${shape.join(',')}]`, { dy, filter }, attrs, 'filter', methods);
  }
  for (const shape of DIRECT_FILTER_SHAPES) {
    const [b, h, w, ci, co, k, s] = shape;
    const x = tf.randomNormal([b, h, w, ci], 0, 1, 'float32', 1);
    const dy = tf.randomNormal([b, Math.ceil(h / s), Math.ceil(w / s), co], 0, 1, 'float32', 2);
    const attrs = { strides: [s, s], pad: 'same', dataFormat: 'NHWC', filterShape: [k, k, ci, co] };
    time('Conv2DBackpropFilter', `[${shape.join(',')}]`, { x, dy }, attrs, 'dy');
  }
  for (const shape of [
    [64, 28, 28, 16],
    [64, 14, 14, 32],
  ] as const) {
    const input = tf.randomNormal([...shape], 0, 1, 'float32', 5);
    const output = tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid');
    const dy = tf.randomNormal(output.shape, 0, 1, 'float32', 6);
    const attrs = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    time('MaxPoolGrad', `[${shape.join(',')}]`, { dy, input, output }, attrs, 'dy');
    const x = tf.randomNormal([...shape], 0, 1, 'float32', 7);
    time('Sum', `[${shape.join(',')}] axes 0-2`, { x }, { axis: [0, 1, 2], keepDims: false }, 'x');
  }
  return rows;
}
