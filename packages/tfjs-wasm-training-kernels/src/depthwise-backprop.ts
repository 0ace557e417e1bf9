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
import { heapF32, type KernelArgs, WASM, type WasmBackend } from './wasm-backend.js';

type Shape4 = [number, number, number, number];

function depthwiseInfo(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs,
): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

function requireFloat32(kernel: string, ...infos: TensorInfo[]): void {
  for (const t of infos) {
    if (t.dtype !== 'float32')
      throw new Error(`${kernel} on wasm takes float32 tensors, got ${t.dtype}`);
  }
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

/** dW[p,q,c,m] = sum_{b,i,j} x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c] * dy[b,i,j,c*M+m]. */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  requireFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy);
  const info = depthwiseInfo(x.shape as Shape4, a.filterShape, a);
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([...a.filterShape], 'float32');
  const xs = heapF32(wasm, x);
  const dys = heapF32(wasm, dy);
  const dw = heapF32(wasm, out);
  dw.fill(0);
  const channels = info.inChannels;
  const mult = info.outChannels / channels;
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
  requireFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter);
  const info = depthwiseInfo(a.inputShape, filter.shape as Shape4, a);
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([...a.inputShape], 'float32');
  const ws = heapF32(wasm, filter);
  const dys = heapF32(wasm, dy);
  const dx = heapF32(wasm, out);
  dx.fill(0);
  const channels = info.inChannels;
  const mult = info.outChannels / channels;
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
