/**
 * A faster MaxPoolGrad for the wasm backend (opt-in, see faster-kernels.ts): each pooling window
 * sends its dy to the first position (row-major in the window) holding the window's maximum, as
 * the cpu backend does; windows that overlap add up. One pass over the windows with the channels
 * innermost (contiguous on the heap), in WebAssembly SIMD on the backend's heap where it can run
 * (heap-kernels.ts), else in JavaScript; the backend's own kernel loops over every input
 * position and searches the windows that could contain it.
 */
import { backend_util, type MaxPoolGradAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { requirePadding, requirePair, requireRank, requireShape } from './input-checks.js';
import { allocate, heapF32, type KernelArgs, type WasmBackend } from './wasm-backend.js';

const OP = 'maxPoolGrad';

/**
 * The pooling's geometry from the input and the attributes, with dy's shape checked against it:
 * input and dy of rank 4, a positive window and strides, a valid padding, and dy of exactly the
 * pooled input's shape. Refuses anything else with tfjs's kind of error.
 */
function poolInfo(dy: TensorInfo, input: TensorInfo, attrs: MaxPoolGradAttrs) {
  requireRank(OP, 'dy', dy, 4);
  requireRank(OP, 'input', input, 4);
  const filterSize = requirePair(OP, 'filterSize', attrs.filterSize);
  const strides = requirePair(OP, 'strides', attrs.strides);
  const pad = requirePadding(OP, attrs.pad, attrs.dimRoundingMode);
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad as 'same',
    attrs.dimRoundingMode,
  );
  requireShape(OP, 'dy', dy, info.outShape, 'the pooled input');
  return info;
}

/**
 * Runs the faster max-pool gradient, or returns undefined where the backend's kernel must. The
 * geometry is checked first: attributes that disagree with the tensors are refused whichever
 * kernel would run.
 */
export function fasterMaxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const info = poolInfo(dy, input, attrs as unknown as MaxPoolGradAttrs);
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') return undefined;
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, input.shape, 'float32', OP);
  const xs = heapF32(wasm, input);
  const dys = heapF32(wasm, dy);
  const dx = heapF32(wasm, out);
  dx.fill(0);
  const simd = heapKernels(backend);
  if (simd !== undefined) {
    simd.maxPoolGrad(
      xs.byteOffset,
      dys.byteOffset,
      dx.byteOffset,
      batchSize,
      inHeight,
      inWidth,
      channels,
      outHeight,
      outWidth,
      strideHeight,
      strideWidth,
      effectiveFilterHeight,
      effectiveFilterWidth,
      top,
      left,
    );
    return out;
  }
  // Offsets of the window's positions inside x, row-major (the order that picks the first max).
  const window = new Int32Array(effectiveFilterHeight * effectiveFilterWidth);
  let dyRow = 0;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight;
    for (let i = 0; i < outHeight; i++) {
      const rowStart = i * strideHeight - top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + effectiveFilterHeight);
      for (let j = 0; j < outWidth; j++, dyRow += channels) {
        const colStart = j * strideWidth - left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + effectiveFilterWidth);
        let size = 0;
        for (let h = rowFrom; h < rowTo; h++) {
          for (let w = colFrom; w < colTo; w++)
            window[size++] = ((image + h) * inWidth + w) * channels;
        }
        for (let c = 0; c < channels; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let k = 0; k < size; k++) {
            const position = window[k]! + c;
            const v = xs[position]!;
            // Strictly greater: the first maximum wins, and NaN never does (as on cpu).
            if (v > best) {
              best = v;
              at = position;
            }
          }
          if (at >= 0) dx[at]! += dys[dyRow + c]!;
        }
      }
    }
  }
  return out;
}
