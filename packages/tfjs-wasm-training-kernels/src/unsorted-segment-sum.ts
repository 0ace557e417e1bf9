/**
 * UnsortedSegmentSum for the wasm backend: out[s] = sum of the rows x[r] whose segmentIds[r] = s,
 * for 0 <= s < numSegments (rows with other ids are dropped, as on the cpu backend). It is the
 * gradient of `gather`, so of every embedding layer. The result has x's dtype (the cpu backend's
 * is float32 for int32 x; the values agree).
 */
import type { KernelConfig, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { check, isCount, requireRank, shown } from './input-checks.js';
import { allocate, type KernelArgs, WASM, type WasmBackend } from './wasm-backend.js';

const OP = 'unsortedSegmentSum';

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  check(
    isCount(numSegments),
    OP,
    () => `numSegments must be an integer in [0, 2^31), but got ${shown(numSegments)}.`,
  );
  check(x != null, OP, () => 'x is missing.');
  check(
    x.dtype === 'float32' || x.dtype === 'int32',
    OP,
    () => `x must be float32 or int32 on wasm, but got ${shown(x.dtype)}.`,
  );
  requireRank(OP, 'segmentIds', segmentIds, 1);
  check(
    segmentIds.dtype === 'int32',
    OP,
    () => `segmentIds must be int32, but got ${shown(segmentIds.dtype)}.`,
  );
  // One id per row of x: the op's documented contract, and what gather's gradient passes.
  const rows = x.shape[0] ?? 1;
  check(
    segmentIds.shape[0] === rows,
    OP,
    () =>
      `segmentIds must hold one id per row of x ${shown(x.shape)}, but got shape ${shown(segmentIds.shape)}.`,
  );
  const inner = x.shape.slice(1);
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, [numSegments, ...inner], x.dtype, OP);
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
