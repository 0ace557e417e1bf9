/**
 * Importing this module registers, for the wasm backend, the gradient kernels TensorFlow.js's
 * wasm backend lacks, so that `model.fit` trains convolutional and embedding models on it.
 * A kernel the backend already has (a later tfjs) is left alone. `replaceSlowWasmKernels()`
 * (opt-in) also replaces slow kernels (Conv2DBackpropInput, MaxPoolGrad, Sum, BatchMatMul with a
 * transposed operand, Slice, SplitV, Unpack, Tile, Concat and, for few input channels,
 * Conv2DBackpropFilter) by faster ones.
 */
import { getKernel, type KernelConfig, registerKernel } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';

export {
  INPUT_GRADIENT_METHODS,
  type InputGradientMethod,
  inputGradientMethod,
  setInputGradientMethod,
} from './conv2d-backprop-input.js';
export { InvalidKernelArgumentError } from './errors.js';
export {
  replaceableKernelNames,
  replacedWasmKernels,
  replaceSlowWasmKernels,
  restoreWasmKernels,
} from './faster-kernels.js';

import {
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
} from './depthwise-backprop.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import { WASM } from './wasm-backend.js';

export {
  FILTER_GRADIENT_METHODS,
  type FilterGradientMethod,
  filterGradientMethod,
  setFilterGradientMethod,
} from './conv2d-backprop-filter.js';

/** Every kernel this package provides, in registration order. */
export const trainingKernelConfigs: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/** The names of the kernels this package provides. */
export const trainingKernelNames: readonly string[] = trainingKernelConfigs.map(
  (k) => k.kernelName,
);

/**
 * Registers each kernel of `configs` for the wasm backend unless one of that name is already
 * registered there. Returns the names it registered (empty on a second call).
 */
export function registerTrainingKernels(
  configs: readonly KernelConfig[] = trainingKernelConfigs,
): string[] {
  const registered: string[] = [];
  for (const config of configs) {
    if (getKernel(config.kernelName, WASM) !== undefined) continue;
    registerKernel({ ...config, backendName: WASM });
    registered.push(config.kernelName);
  }
  return registered;
}

/** The kernels the import of this module registered (those the backend lacked). */
export const registeredOnImport: readonly string[] = registerTrainingKernels();
