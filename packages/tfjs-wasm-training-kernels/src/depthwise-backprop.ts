/**
 * The two gradients of a depthwise convolution for the wasm backend (NHWC, channel multiplier M):
 * forward y[b,i,j,c*M+m] = sum_{p,q} x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c] * W[p,q,c,m].
 * Each is one pass over dy with the channels innermost (contiguous on the heap); a depthwise
 * convolution mixes no channels, so there is no matrix product to hand to XNNPACK.
 */
import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  check,
  requireFloat32,
  requirePadding,
  requirePair,
  requireRank,
  requireShape,
  requireShape4,
} from './input-checks.js';
import { allocate, heapF32, type KernelArgs, WASM, type WasmBackend } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

/**
 * The convolution's geometry from x's shape, the filter's shape and the attributes, with dy's
 * shape checked against it: positive strides and dilations, a valid padding, the filter's
 * channels x's channels, and dy of exactly the shape the depthwise convolution gives. Refuses
 * anything else with tfjs's kind of error, naming `op`.
 */
function depthwiseInfo(
  op: string,
  xShape: Shape4,
  filterShape: Shape4,
  dy: TensorInfo,
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs,
): backend_util.Conv2DInfo {
  check(
    xShape[3] === filterShape[2],
    op,
    () => `depth of input (${xShape[3]}) must match input depth in filter (${filterShape[2]}).`,
  );
  const strides = requirePair(op, 'strides', attrs.strides);
  const dilations = requirePair(op, 'dilations', attrs.dilations ?? 1);
  const pad = requirePadding(op, attrs.pad, attrs.dimRoundingMode);
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    dilations,
    pad as 'same',
    attrs.dimRoundingMode,
    true,
  );
  requireShape(op, 'dy', dy, info.outShape, 'the depthwise convolution of the input');
  return info;
}

/**
 * Visits every (output position, tap) pair whose input position lies inside x, passing the
 * offsets (in channels) of dy's row and x's row.
 */
function forEachTap(
  info: backend_util.Conv2DInfo,
  visit: (p: number, q: number, xRow: number, dyRow: number) => void,
): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const { dilationHeight, dilationWidth } = info;
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        const dyRow = ((b * outHeight + i) * outWidth + j) * outChannels;
        for (let p = 0; p < filterHeight; p++) {
          const h = i * strideHeight + p * dilationHeight - padInfo.top;
          if (h < 0 || h >= inHeight) continue;
          for (let q = 0; q < filterWidth; q++) {
            const w = j * strideWidth + q * dilationWidth - padInfo.left;
            if (w < 0 || w >= inWidth) continue;
            visit(p, q, ((b * inHeight + h) * inWidth + w) * inChannels, dyRow);
          }
        }
      }
    }
  }
}

const FILTER_OP = 'depthwiseConv2dDerFilter';
const INPUT_OP = 'depthwiseConv2dDerInput';

/** dW[p,q,c,m] = sum_{b,i,j} x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c] * dy[b,i,j,c*M+m]. */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  requireRank(FILTER_OP, 'input', x, 4);
  requireRank(FILTER_OP, 'dy', dy, 4);
  const filterShape = requireShape4(FILTER_OP, 'filterShape', a.filterShape);
  const info = depthwiseInfo(FILTER_OP, x.shape as Shape4, filterShape, dy, a);
  requireFloat32(FILTER_OP, ['input', x], ['dy', dy]);
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, filterShape, 'float32', FILTER_OP);
  const xs = heapF32(wasm, x);
  const dys = heapF32(wasm, dy);
  const dw = heapF32(wasm, out);
  dw.fill(0);
  const channels = info.inChannels;
  const mult = info.filterShape[3];
  const tapSize = channels * mult;
  forEachTap(info, (p, q, xRow, dyRow) => {
    const tap = (p * info.filterWidth + q) * tapSize;
    if (mult === 1) {
      for (let c = 0; c < channels; c++) dw[tap + c]! += xs[xRow + c]! * dys[dyRow + c]!;
      return;
    }
    for (let c = 0; c < channels; c++) {
      const xv = xs[xRow + c]!;
      const k = c * mult;
      for (let m = 0; m < mult; m++) dw[tap + k + m]! += xv * dys[dyRow + k + m]!;
    }
  });
  return out;
}

/** dx[b,h,w,c] = sum over the taps that read (h,w) of sum_m dy[b,i,j,c*M+m] * W[p,q,c,m]. */
function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  requireRank(INPUT_OP, 'dy', dy, 4);
  requireRank(INPUT_OP, 'filter', filter, 4);
  const inputShape = requireShape4(INPUT_OP, 'inputShape', a.inputShape);
  const info = depthwiseInfo(INPUT_OP, inputShape, filter.shape as Shape4, dy, a);
  requireFloat32(INPUT_OP, ['dy', dy], ['filter', filter]);
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, inputShape, 'float32', INPUT_OP);
  const ws = heapF32(wasm, filter);
  const dys = heapF32(wasm, dy);
  const dx = heapF32(wasm, out);
  dx.fill(0);
  const channels = info.inChannels;
  const mult = info.filterShape[3];
  const tapSize = channels * mult;
  forEachTap(info, (p, q, xRow, dyRow) => {
    const tap = (p * info.filterWidth + q) * tapSize;
    if (mult === 1) {
      for (let c = 0; c < channels; c++) dx[xRow + c]! += ws[tap + c]! * dys[dyRow + c]!;
      return;
    }
    for (let c = 0; c < channels; c++) {
      const k = c * mult;
      let sum = 0;
      for (let m = 0; m < mult; m++) sum += ws[tap + k + m]! * dys[dyRow + k + m]!;
      dx[xRow + c]! += sum;
    }
  });
  return out;
}

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: WASM,
  kernelFunc: depthwiseBackpropFilter as KernelConfig['kernelFunc'],
};

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: WASM,
  kernelFunc: depthwiseBackpropInput as KernelConfig['kernelFunc'],
};
