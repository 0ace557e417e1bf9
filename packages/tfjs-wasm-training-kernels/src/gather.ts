/**
 * A faster GatherV2 along the first axis (opt-in, see faster-kernels.ts), which is an embedding
 * lookup: each index copies one row of x. The backend's kernel computes every output element's
 * source from strides, about 35 ns an element; here each row is one copy on the heap.
 */
import { type GatherV2Attrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { check, shown } from './input-checks.js';
import { copyRun } from './slice.js';
import { type KernelArgs, requireFits, type WasmBackend } from './wasm-backend.js';

/**
 * The gathered rows, or undefined where the backend's kernel must run: another axis, batch
 * dimensions, strings, or indices that are not int32 (tfjs's gather op always makes them int32).
 * Checked first, whichever kernel runs: an axis in [-rank, rank) of x, a batchDims of 0 or more,
 * and each int32 index in [0, size of x along the axis).
 */
export function fasterGatherV2({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { x, indices } = inputs as { x?: TensorInfo; indices?: TensorInfo };
  if (x === undefined || indices === undefined) return undefined;
  const { axis, batchDims } = (attrs ?? {}) as unknown as GatherV2Attrs;
  const rank = x.shape.length;
  check(
    typeof axis === 'number' && Number.isInteger(axis) && axis >= -rank && axis < rank,
    'gather',
    () => `axis must be an integer in [-${rank}, ${rank}) (x's rank), got ${shown(axis)}.`,
  );
  check(
    batchDims === undefined || (Number.isInteger(batchDims) && batchDims >= 0),
    'gather',
    () => `batchDims must be a non-negative integer, got ${shown(batchDims)}.`,
  );
  if (x.dtype === 'string' || x.dtype === 'complex64' || indices.dtype !== 'int32') {
    return undefined;
  }
  const wasm = backend as WasmBackend;
  const along = axis < 0 ? axis + rank : axis;
  const rows = x.shape[along]!;
  for (const id of wasm.typedArrayFromHeap(indices) as Int32Array) {
    check(
      id >= 0 && id < rows,
      'gather',
      () => `the index value ${id} is not in [0, ${rows - 1}].`,
    );
  }
  if (along !== 0 || (batchDims ?? 0) !== 0) return undefined;
  const shape = [...indices.shape, ...x.shape.slice(1)];
  requireFits('gather', shape);
  const out = wasm.makeOutput(shape, x.dtype);
  const row = x.shape.slice(1).reduce((p, d) => p * d, 1);
  if (row === 0 || util.sizeFromShape(indices.shape) === 0) return out;
  // Views only after the output exists: making it may grow (and so move) the heap.
  const to = wasm.typedArrayFromHeap(out);
  const from = wasm.typedArrayFromHeap(x);
  const at = wasm.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < at.length; i++) copyRun(from, at[i]! * row, to, i * row, row);
  return out;
}
