/**
 * UnsortedSegmentSum for the wasm backend: out[s] = sum of the rows x[r] whose segmentIds[r] = s,
 * for 0 <= s < numSegments (rows with other ids are dropped, as on the cpu backend). It is the
 * gradient of `gather`, so of every embedding layer. The result has x's dtype (the cpu backend's
 * is float32 for int32 x; the values agree).
 */
import type { KernelConfig, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { type KernelArgs, WASM, type WasmBackend } from './wasm-backend.js';

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(
      `UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum on wasm takes float32 or int32 values, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum: segmentIds must be int32, got ${segmentIds.dtype}`);
  }
  // One id per row of x: the op's documented contract, and what gather's gradient passes.
  const rows = x.shape[0] ?? 1;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== rows) {
    throw new Error(
      `UnsortedSegmentSum on wasm takes one id per row of x: segmentIds has shape [${segmentIds.shape}], x [${x.shape}]`,
    );
  }
  const inner = x.shape.slice(1);
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput([numSegments, ...inner], x.dtype);
  const width = inner.reduce((a, b) => a * b, 1);
  // Views after the allocation: it may grow the heap.
  const xs = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
  const dst = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
  dst.fill(0);
  for (let r = 0; r < rows; r++) {
    const s = ids[r]!;
    if (s < 0 || s >= numSegments) continue;
    const from = r * width;
    const to = s * width;
    for (let k = 0; k < width; k++) dst[to + k]! += xs[from + k]!;
  }
  return out;
}

export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: WASM,
  kernelFunc: unsortedSegmentSum as KernelConfig['kernelFunc'],
};
