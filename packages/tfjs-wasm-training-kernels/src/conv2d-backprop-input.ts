/**
 * A faster Conv2DBackpropInput for the wasm backend (opt-in, see faster-kernels.ts): the gradient
 * of a 2-D convolution with respect to its input,
 * dx[b,h,w,c] = sum over (i,p) with i*sh + p - pt = h, (j,q) with j*sw + q - pl = w, and o of
 * dy[b,i,j,o] * W[p,q,c,o] (NHWC),
 * computed as one XNNPACK convolution of dy with the filter flipped in both spatial axes and its
 * channel axes swapped, W'[p',q',o,c] = W[kh-1-p', kw-1-q', c, o]. The backend's own kernel is a
 * scalar loop.
 */

import {
  backend_util,
  type Conv2DBackpropInputAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { oneOf } from './errors.js';
import {
  check,
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
  requireFits,
  type WasmBackend,
  zeros,
} from './wasm-backend.js';

/** The op named in this kernel's errors, as tfjs's conv2DBackpropInput names it. */
const OP = 'conv2dDerInput';

/**
 * How the input gradient is computed: 'direct' (stride 1, padding at most the filter's size less
 * one: the convolution of dy itself, padded by XNNPACK), 'spread' (any stride and padding: dy
 * copied with zeros between its rows and columns, (s-1) of them, into a buffer that carries the
 * padding too, then an unpadded convolution), 'sub-convolutions' (stride > 1: one smaller
 * convolution per output phase, no zeros multiplied). 'auto' takes 'direct' where it applies,
 * else 'sub-convolutions' where it applies, else 'spread'; the measurements are in
 * docs/training-kernels.md.
 */
/** The methods of the input gradient, `auto` choosing by the layer's shape. */
export const INPUT_GRADIENT_METHODS = ['auto', 'direct', 'spread', 'sub-convolutions'] as const;
export type InputGradientMethod = (typeof INPUT_GRADIENT_METHODS)[number];

/** The method the faster kernel uses (for benchmarks and tests). */
export let inputGradientMethod: InputGradientMethod = 'auto';

/** Chooses the method of the faster Conv2DBackpropInput. */
export function setInputGradientMethod(method: InputGradientMethod): void {
  inputGradientMethod = oneOf('input gradient method', method, INPUT_GRADIENT_METHODS);
}

type Shape4 = [number, number, number, number];

/**
 * W'[p,q,o,c] = W[kh-1-p, kw-1-q, c, o] for the taps p = p0, p0 + step, ... < kh (and likewise
 * q), as a [ceil((kh-p0)/step), ceil((kw-q0)/step), co, ci] tensor on the heap.
 */
function flippedFilter(
  backend: WasmBackend,
  filter: TensorInfo,
  p0 = 0,
  q0 = 0,
  stepH = 1,
  stepW = 1,
): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const th = Math.ceil((kh - p0) / stepH);
  const tw = Math.ceil((kw - q0) / stepW);
  const out = allocate(backend, [th, tw, co, ci], 'float32', OP);
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  // Sub-filter tap (m, n) of the flipped filter is forward tap (p0 + stepH*(th-1-m), ...).
  for (let m = 0; m < th; m++) {
    const p = p0 + stepH * (th - 1 - m);
    for (let n = 0; n < tw; n++) {
      const q = q0 + stepW * (tw - 1 - n);
      const from = (p * kw + q) * ci * co;
      const to = (m * tw + n) * co * ci;
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) dst[to + o * ci + c] = src[from + c * co + o]!;
      }
    }
  }
  return out;
}

/** The padding of the 'direct' convolution: [top, bottom, left, right], possibly negative. */
function directPads(info: backend_util.Conv2DInfo): [number, number, number, number] {
  const { filterHeight: kh, filterWidth: kw, padInfo } = info;
  const top = kh - 1 - padInfo.top;
  const left = kw - 1 - padInfo.left;
  // The convolution's output, outHeight + top + bottom - kh + 1 rows, must be inHeight rows.
  const bottom = info.inHeight + kh - 1 - top - info.outHeight;
  const right = info.inWidth + kw - 1 - left - info.outWidth;
  return [top, bottom, left, right];
}

function directApplies(info: backend_util.Conv2DInfo): boolean {
  return info.strideHeight === 1 && info.strideWidth === 1 && directPads(info).every((p) => p >= 0);
}

function direct(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const flipped = flippedFilter(backend, filter);
  const dx = conv2dNhwc(backend, dy, flipped, directPads(info));
  release(backend, flipped);
  return dx;
}

/**
 * dy spread onto a zero buffer of [b, inHeight + kh - 1, inWidth + kw - 1, co]: dy[b,i,j] lands on
 * row top + i*sh, column left + j*sw (top, left from directPads); rows and columns that fall
 * outside feed no dx and are dropped. An unpadded convolution with the flipped filter then gives
 * dx[h] = sum_p' spread[h + p'] W[kh-1-p'], whose only nonzero terms have h = i*sh + p - pt.
 */
function spread(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels: co } = info;
  const [top, , left] = directPads(info);
  const rows = inHeight + info.filterHeight - 1;
  const cols = inWidth + info.filterWidth - 1;
  const buffer = allocate(backend, [batchSize, rows, cols, co], 'float32', OP);
  const flipped = flippedFilter(backend, filter);
  const src = heapF32(backend, dy);
  const dst = heapF32(backend, buffer);
  dst.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let i = 0; i < outHeight; i++) {
      const r = top + i * info.strideHeight;
      if (r < 0 || r >= rows) continue;
      for (let j = 0; j < outWidth; j++) {
        const c = left + j * info.strideWidth;
        if (c < 0 || c >= cols) continue;
        const from = ((b * outHeight + i) * outWidth + j) * co;
        dst.set(src.subarray(from, from + co), ((b * rows + r) * cols + c) * co);
      }
    }
  }
  const dx = conv2dNhwc(backend, buffer, flipped, [0, 0, 0, 0]);
  release(backend, buffer, flipped);
  return dx;
}

/**
 * One output phase of 'sub-convolutions' along one axis: the dx rows h = s*H - pad + phase read
 * only the forward taps p = s*m + phase, so dx[h] = sum_m dy[H - m] W[s*m + phase]: a stride-1
 * convolution of dy with the sub-filter of those taps, flipped. `first` is the first H whose h is
 * at least 0; `top` the convolution's top padding, `count` the number of such rows in [0, inSize).
 */
interface Phase {
  readonly phase: number;
  readonly taps: number;
  readonly first: number;
  readonly top: number;
  readonly bottom: number;
  readonly count: number;
}

function phasesOf(size: number, dySize: number, k: number, s: number, pad: number): Phase[] {
  const phases: Phase[] = [];
  for (let phase = 0; phase < s; phase++) {
    const taps = Math.ceil((k - phase) / s);
    // h = s*H - pad + phase >= 0  <=>  H >= (pad - phase) / s.
    const first = Math.ceil((pad - phase) / s);
    const count = Math.max(0, Math.ceil((size + pad - phase) / s) - first);
    // Output row r (H = first + r) reads dy rows first + r - (taps-1) .. first + r.
    const top = taps - 1 - first;
    const bottom = count - dySize + first;
    phases.push({ phase, taps, first, top, bottom, count });
  }
  return phases;
}

function subConvolutionsApply(info: backend_util.Conv2DInfo): boolean {
  if (info.strideHeight === 1 && info.strideWidth === 1) return false;
  const rows = phasesOf(
    info.inHeight,
    info.outHeight,
    info.filterHeight,
    info.strideHeight,
    info.padInfo.top,
  );
  const cols = phasesOf(
    info.inWidth,
    info.outWidth,
    info.filterWidth,
    info.strideWidth,
    info.padInfo.left,
  );
  // Every phase needs a tap and a row, and non-negative padding.
  return [...rows, ...cols].every((p) => p.taps > 0 && p.count > 0 && p.top >= 0 && p.bottom >= 0);
}

function subConvolutions(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: ci, strideHeight: sh, strideWidth: sw } = info;
  const rows = phasesOf(inHeight, info.outHeight, info.filterHeight, sh, info.padInfo.top);
  const cols = phasesOf(inWidth, info.outWidth, info.filterWidth, sw, info.padInfo.left);
  const parts: { row: Phase; col: Phase; dx: TensorInfo }[] = [];
  for (const row of rows) {
    for (const col of cols) {
      const sub = flippedFilter(backend, filter, row.phase, col.phase, sh, sw);
      const pads: [number, number, number, number] = [row.top, row.bottom, col.top, col.bottom];
      parts.push({ row, col, dx: conv2dNhwc(backend, dy, sub, pads) });
      release(backend, sub);
    }
  }
  const out = allocate(backend, [batchSize, inHeight, inWidth, ci], 'float32', OP);
  const dst = heapF32(backend, out);
  // Interleave: phase part (r, t) is dx row sh*(first + r) - pt + phase, likewise columns.
  for (const { row, col, dx } of parts) {
    const src = heapF32(backend, dx);
    for (let b = 0; b < batchSize; b++) {
      for (let r = 0; r < row.count; r++) {
        const h = sh * (row.first + r) - info.padInfo.top + row.phase;
        let from = (b * row.count + r) * col.count * ci;
        for (let t = 0; t < col.count; t++, from += ci) {
          const w = sw * (col.first + t) - info.padInfo.left + col.phase;
          dst.set(src.subarray(from, from + ci), ((b * inHeight + h) * inWidth + w) * ci);
        }
      }
    }
    release(backend, dx);
  }
  return out;
}

/**
 * The convolution's geometry from dy, the filter and the attributes, which must agree (in either
 * data format): dy and the filter of rank 4, inputShape of four sizes whose channels are the
 * filter's input channels, dy's channels the filter's output channels, positive strides, a valid
 * padding, and dy of exactly the shape the convolution of such an input gives. Refuses anything
 * else with tfjs's kind of error.
 */
function inputGradientInfo(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
): backend_util.Conv2DInfo {
  requireRank(OP, 'dy', dy, 4);
  requireRank(OP, 'filter', filter, 4);
  const { dataFormat, dimRoundingMode } = attrs;
  check(
    dataFormat == null || dataFormat === 'NHWC' || dataFormat === 'NCHW',
    OP,
    () => `dataFormat must be 'NHWC' or 'NCHW', but got ${shown(dataFormat)}.`,
  );
  const nhwc = dataFormat !== 'NCHW';
  const inputShape = requireShape4(OP, 'inputShape', attrs.inputShape);
  const inDepth = inputShape[nhwc ? 3 : 1];
  check(
    inDepth === filter.shape[2],
    OP,
    () => `depth of input (${inDepth}) must match input depth for filter (${filter.shape[2]}).`,
  );
  const outDepth = dy.shape[nhwc ? 3 : 1];
  check(
    outDepth === filter.shape[3],
    OP,
    () => `depth of output (${outDepth}) must match output depth for filter (${filter.shape[3]}).`,
  );
  const strides = requirePair(OP, 'strides', attrs.strides);
  const pad = requirePadding(OP, attrs.pad, dimRoundingMode, nhwc ? 'NHWC' : 'NCHW');
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    1,
    pad as 'same',
    dimRoundingMode,
    false,
    nhwc ? 'channelsLast' : 'channelsFirst',
  );
  requireShape(OP, 'dy', dy, info.outShape, 'the convolution of such an input with the filter');
  return info;
}

/**
 * Runs the faster input gradient, or returns undefined where the backend's kernel must. The
 * geometry is checked first: attributes that disagree with dy and the filter are refused
 * whichever kernel would run.
 */
export function fasterConv2DBackpropInput({
  inputs,
  backend,
  attrs,
}: KernelArgs): TensorInfo | undefined {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropInputAttrs;
  const info = inputGradientInfo(dy, filter, a);
  if (a.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return undefined;
  }
  const wasm = backend as WasmBackend;
  // Every method's intermediates are at most about dx's size (the spread buffer: plus the padding).
  requireFits(OP, info.inShape);
  if ([dy, filter].some((t) => t.shape.includes(0)) || info.inShape.includes(0)) {
    return zeros(wasm, info.inShape, 'float32', OP);
  }
  const method = inputGradientMethod;
  if ((method === 'auto' || method === 'direct') && directApplies(info)) {
    return direct(wasm, dy, filter, info);
  }
  if ((method === 'auto' || method === 'sub-convolutions') && subConvolutionsApply(info)) {
    return subConvolutions(wasm, dy, filter, info);
  }
  return spread(wasm, dy, filter, info);
}
