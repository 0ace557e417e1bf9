/**
 * Conv2DBackpropFilter for the wasm backend: the gradient of a 2-D convolution with respect to its
 * filter, dW[p,q,c,o] = sum_{b,i,j} x[b, i*sh + p - pt, j*sw + q - pl, c] * dy[b,i,j,o] (NHWC).
 */

import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { oneOf } from './errors.js';
import {
  check,
  requireFloat32,
  requirePadding,
  requirePair,
  requireRank,
  requireShape,
  requireShape4,
  shown,
} from './input-checks.js';
import {
  allocate,
  conv2dNhwc,
  heapF32,
  type KernelArgs,
  release,
  runWasmKernel,
  WASM,
  type WasmBackend,
  zeros,
} from './wasm-backend.js';

/** The op named in this kernel's errors, as tfjs's conv2DBackpropFilter names it. */
const OP = 'conv2dDerFilter';

/**
 * How the filter gradient is computed; all give the same sums, in a different order:
 * one XNNPACK convolution with dy as its filter, or (stride 1 only; otherwise dy-as-filter)
 * with x as its filter, or im2col in JavaScript and one XNNPACK matrix product. 'auto' takes
 * x-as-filter where it applies and x is the smaller tensor (XNNPACK repacks its filter operand
 * on every call), else dy-as-filter; measurements in docs/training-kernels.md.
 */
/** The methods of the filter gradient, `auto` choosing by the layer's shape. */
export const FILTER_GRADIENT_METHODS = [
  'auto',
  'dy-as-filter',
  'x-as-filter',
  'im2col-matmul',
] as const;
export type FilterGradientMethod = (typeof FILTER_GRADIENT_METHODS)[number];

/** `make()`, having freed `out` if it throws. */
function freeingOnError<T>(backend: WasmBackend, out: TensorInfo, make: () => T): T {
  try {
    return make();
  } catch (error) {
    release(backend, out);
    throw error;
  }
}

/**
 * The filter gradient as one XNNPACK convolution over transposed tensors: with x as a batch of
 * `inChannels` images of `batch` channels ([c,H,W,b]) and dy as a filter of `outHeight x outWidth`
 * taps ([i,j,b,o]), the sum above is a convolution whose dilation is the forward stride.
 */
function byTransposedConvolution(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { padInfo, strideHeight, strideWidth, outHeight, outWidth, filterHeight, filterWidth } =
    info;
  // Pad the bottom/right only as far as the last tap reads; any extra rows the forward pass
  // skipped make extra output rows, dropped when the result is rearranged.
  const bottom = Math.max(
    0,
    filterHeight + (outHeight - 1) * strideHeight - info.inHeight - padInfo.top,
  );
  const right = Math.max(
    0,
    filterWidth + (outWidth - 1) * strideWidth - info.inWidth - padInfo.left,
  );
  const out = allocate(
    backend,
    [filterHeight, filterWidth, info.inChannels, info.outChannels],
    'float32',
    OP,
  );
  const conv = freeingOnError(backend, out, () => {
    const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
    const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    try {
      const pads = [padInfo.top, bottom, padInfo.left, right] as const;
      return conv2dNhwc(backend, xT, dyT, pads, [strideHeight, strideWidth], OP);
    } finally {
      release(backend, xT, dyT);
    }
  });
  // [c, p', q', o] -> [p, q, c, o], keeping p < filterHeight and q < filterWidth.
  const src = heapF32(backend, conv);
  const dst = heapF32(backend, out);
  const [, h2, w2, co] = conv.shape as [number, number, number, number];
  const ci = info.inChannels;
  for (let p = 0; p < filterHeight; p++) {
    for (let q = 0; q < filterWidth; q++) {
      for (let c = 0; c < ci; c++) {
        const from = ((c * h2 + p) * w2 + q) * co;
        dst.set(src.subarray(from, from + co), ((p * filterWidth + q) * ci + c) * co);
      }
    }
  }
  release(backend, conv);
  return out;
}

/**
 * For stride 1, the same sum with x as the filter: dy as a batch of `outChannels` images of
 * `batch` channels ([o,i,j,b]), x as a filter of `inHeight x inWidth` taps ([a,e,b,c]). With
 * a = i + p - pt, the output row r = filterHeight-1-p reads dy row r + a - (filterHeight-1-pt),
 * so the result is the filter gradient flipped in both spatial axes.
 */
function byFlippedConvolution(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { padInfo, outHeight, outWidth, inHeight, inWidth, filterHeight, filterWidth } = info;
  const top = filterHeight - 1 - padInfo.top;
  const left = filterWidth - 1 - padInfo.left;
  const bottom = Math.max(0, filterHeight - 1 + inHeight - outHeight - top);
  const right = Math.max(0, filterWidth - 1 + inWidth - outWidth - left);
  const ci = info.inChannels;
  const co = info.outChannels;
  const out = allocate(backend, [filterHeight, filterWidth, ci, co], 'float32', OP);
  const conv = freeingOnError(backend, out, () => {
    const dyT = runWasmKernel(backend, 'Transpose', { x: dy }, { perm: [3, 1, 2, 0] });
    const xT = runWasmKernel(backend, 'Transpose', { x }, { perm: [1, 2, 0, 3] });
    try {
      return conv2dNhwc(backend, dyT, xT, [top, bottom, left, right], [1, 1], OP);
    } finally {
      release(backend, xT, dyT);
    }
  });
  // [o, r, t, c] -> [p, q, c, o] with r = filterHeight-1-p, t = filterWidth-1-q.
  const src = heapF32(backend, conv);
  const dst = heapF32(backend, out);
  const [, h2, w2] = conv.shape as [number, number, number, number];
  for (let o = 0; o < co; o++) {
    for (let p = 0; p < filterHeight; p++) {
      for (let q = 0; q < filterWidth; q++) {
        const from = ((o * h2 + filterHeight - 1 - p) * w2 + filterWidth - 1 - q) * ci;
        const to = (p * filterWidth + q) * ci * co + o;
        for (let c = 0; c < ci; c++) dst[to + c * co] = src[from + c]!;
      }
    }
  }
  release(backend, conv);
  return out;
}

/** Whether {@link byFlippedConvolution} applies: stride 1 and no padding beyond the filter. */
function flippedApplies(info: backend_util.Conv2DInfo): boolean {
  return (
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top <= info.filterHeight - 1 &&
    info.padInfo.left <= info.filterWidth - 1
  );
}

/**
 * The filter gradient as patches^T x dy: the input patches written once into a
 * [batch*outHeight*outWidth, filterHeight*filterWidth*inChannels] matrix (im2col), then one
 * XNNPACK matrix product whose [K, outChannels] result is already the filter's layout.
 */
function byIm2colMatmul(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const rows = batchSize * outHeight * outWidth;
  const cols = filterHeight * filterWidth * inChannels;
  const patches = allocate(backend, [1, rows, cols], 'float32', OP);
  const xs = heapF32(backend, x);
  const ps = heapF32(backend, patches);
  let r = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++, r++) {
        let k = r * cols;
        for (let p = 0; p < filterHeight; p++) {
          const h = i * strideHeight + p - padInfo.top;
          const rowInside = h >= 0 && h < inHeight;
          for (let q = 0; q < filterWidth; q++, k += inChannels) {
            const w = j * strideWidth + q - padInfo.left;
            if (rowInside && w >= 0 && w < inWidth) {
              const from = ((b * inHeight + h) * inWidth + w) * inChannels;
              if (inChannels === 1) ps[k] = xs[from]!;
              else ps.set(xs.subarray(from, from + inChannels), k);
            } else {
              ps.fill(0, k, k + inChannels);
            }
          }
        }
      }
    }
  }
  const dy3 = { ...dy, shape: [1, rows, info.outChannels] };
  const product = freeingOnError(backend, patches, () =>
    runWasmKernel(
      backend,
      'BatchMatMul',
      { a: patches, b: dy3 },
      { transposeA: true, transposeB: false },
    ),
  );
  release(backend, patches);
  return { ...product, shape: [filterHeight, filterWidth, inChannels, info.outChannels] };
}

/** The method the registered kernel uses (see docs/training-kernels.md for the measurements). */
export let filterGradientMethod: FilterGradientMethod = 'auto';

/** Chooses the method of the registered kernel (for benchmarks and tests). */
export function setFilterGradientMethod(method: FilterGradientMethod): void {
  filterGradientMethod = oneOf('filter gradient method', method, FILTER_GRADIENT_METHODS);
}

/**
 * The convolution's geometry (NHWC, no dilation: tfjs computes no dilated conv2d gradient) from
 * x, dy and the attributes, which must agree: x and dy of rank 4, filterShape of four sizes whose
 * channels are x's and dy's, positive strides, a valid padding, and dy of exactly the shape the
 * convolution of x gives. Refuses anything else with tfjs's kind of error.
 */
export function filterGradientInfo(
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
): backend_util.Conv2DInfo {
  requireRank(OP, 'input', x, 4);
  requireRank(OP, 'dy', dy, 4);
  const { dataFormat, dimRoundingMode } = attrs;
  check(
    dataFormat == null || dataFormat === 'NHWC',
    OP,
    () => `dataFormat must be 'NHWC' on wasm, but got ${shown(dataFormat)}.`,
  );
  const filterShape = requireShape4(OP, 'filterShape', attrs.filterShape);
  check(
    x.shape[3] === filterShape[2],
    OP,
    () => `depth of input (${x.shape[3]}) must match input depth in filter (${filterShape[2]}).`,
  );
  check(
    dy.shape[3] === filterShape[3],
    OP,
    () => `depth of dy (${dy.shape[3]}) must match output depth for filter (${filterShape[3]}).`,
  );
  const strides = requirePair(OP, 'strides', attrs.strides);
  const pad = requirePadding(OP, attrs.pad, dimRoundingMode);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad as 'same',
    dimRoundingMode,
    false,
    'channelsLast',
  );
  requireShape(OP, 'dy', dy, info.outShape, 'the convolution of the input with this filter');
  return info;
}

const sizeOf = (t: TensorInfo) => t.shape.reduce((a, b) => a * b, 1);

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const info = filterGradientInfo(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
  requireFloat32(OP, ['input', x], ['dy', dy]);
  const wasm = backend as WasmBackend;
  if (sizeOf(x) === 0 || sizeOf(dy) === 0 || util.sizeFromShape(info.filterShape) === 0) {
    return zeros(wasm, info.filterShape, 'float32', OP);
  }
  if (filterGradientMethod === 'im2col-matmul') return byIm2colMatmul(wasm, x, dy, info);
  const xAsFilter =
    filterGradientMethod === 'x-as-filter' ||
    (filterGradientMethod === 'auto' && sizeOf(x) < sizeOf(dy));
  return xAsFilter && flippedApplies(info)
    ? byFlippedConvolution(wasm, x, dy, info)
    : byTransposedConvolution(wasm, x, dy, info);
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter as KernelConfig['kernelFunc'],
};
