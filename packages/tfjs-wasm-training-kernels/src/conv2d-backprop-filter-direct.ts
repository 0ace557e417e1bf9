/**
 * A faster Conv2DBackpropFilter for layers with up to 16 input channels (opt-in, see
 * faster-kernels.ts): dW[p,q,c,o] = sum_{b,i,j} x[b, i*sh + p - pt, j*sw + q - pl, c] * dy[b,i,j,o]
 * accumulated directly by a WebAssembly SIMD loop on the backend's heap (heap-kernels.ts), with
 * no transposes: tap by tap, four input by four output channels in registers over every position.
 * With these channels it beats the one XNNPACK convolution of transposed tensors
 * (conv2d-backprop-filter.ts), which pays for packing a filter operand as large as x or dy on
 * every call, by 1.5-5x; at 32 channels the two are even.
 */
import type { Conv2DBackpropFilterAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { filterGradientInfo } from './conv2d-backprop-filter.js';
import { heapKernels } from './heap-kernels.js';
import { allocate, heapF32, type KernelArgs, type WasmBackend } from './wasm-backend.js';

/**
 * Up to this many input channels the direct loop runs; above it, the kernel it replaces. Measured
 * in docs/training-kernels.md.
 */
export const DIRECT_FILTER_GRADIENT_MAX_IN_CHANNELS = 16;

/**
 * Runs the direct filter gradient, or returns undefined where the replaced kernel must. The
 * geometry is checked first (filterGradientInfo): attributes that disagree with x and dy are
 * refused whichever kernel would run.
 */
export function fasterConv2DBackpropFilter({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo | undefined {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const info = filterGradientInfo(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return undefined;
  if (info.inChannels > DIRECT_FILTER_GRADIENT_MAX_IN_CHANNELS) return undefined;
  const simd = heapKernels(backend);
  if (simd === undefined) return undefined;
  const wasm = backend as WasmBackend;
  // [filterHeight, filterWidth, x's channels, dy's channels]: the extent the loop writes.
  const out = allocate(wasm, info.filterShape, 'float32', 'conv2dDerFilter');
  const dw = heapF32(wasm, out);
  dw.fill(0);
  simd.conv2DBackpropFilter(
    heapF32(wasm, x).byteOffset,
    heapF32(wasm, dy).byteOffset,
    dw.byteOffset,
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.strideHeight,
    info.strideWidth,
    info.filterHeight,
    info.filterWidth,
    info.padInfo.top,
    info.padInfo.left,
  );
  return out;
}
