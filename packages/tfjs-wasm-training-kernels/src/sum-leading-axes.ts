/**
 * A faster Sum and Mean for reductions over the leading axes (opt-in, see faster-kernels.ts),
 * such as the gradient of a bias or a batch norm's statistics over [batch, height, width]:
 * out[k] = sum_r x[r, k] by a WebAssembly SIMD loop on the backend's heap (heap-kernels.ts), a
 * mean then divided by the rows, where the backend's own kernels first transpose x to put the
 * reduced axes last.
 */
import { type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { check, shown } from './input-checks.js';
import {
  allocate,
  heapF32,
  type KernelArgs,
  release,
  type WasmBackend,
  zeros,
} from './wasm-backend.js';

/**
 * The reduced axes, in [0, rank) and sorted: `axis` is an axis or a list of them, each an integer
 * in [-rank, rank) (tfjs's rule); all axes when absent. Refuses anything else with tfjs's kind of
 * error.
 */
function reducedAxes(axis: unknown, rank: number, op: string): number[] {
  const list: unknown[] = axis == null ? Array.from({ length: rank }, (_, i) => i) : [axis].flat();
  check(
    list.every(
      (a: unknown) => typeof a === 'number' && Number.isInteger(a) && a >= -rank && a < rank,
    ),
    op,
    () => `axis must hold integers in [-${rank}, ${rank}), but got ${shown(axis)}.`,
  );
  return [...new Set((list as number[]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
}

/**
 * The leading-axes sum or mean (or, over an empty x, any such reduction: zeros), or undefined
 * where the backend's kernel must run. The axes are checked first, whichever kernel would run.
 */
function leadingAxesReduction(op: 'sum' | 'mean') {
  return ({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined => {
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    const axes = reducedAxes(axis, x.shape.length, op);
    if (x.dtype !== 'float32' || x.shape.length === 0) return undefined;
    const wasm = backend as WasmBackend;
    const reduced = (shape: number[]) =>
      keepDims
        ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : shape.filter((_, i) => !axes.includes(i));
    if (util.sizeFromShape(x.shape) === 0) return zeros(wasm, reduced(x.shape), 'float32', op);
    // Leading axes only, and not all of them (a full sum has a single column: no gain).
    if (axes.length === 0 || axes.length === x.shape.length || axes.some((a, i) => a !== i)) {
      return undefined;
    }
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const columns = util.sizeFromShape(x.shape.slice(axes.length));
    const simd = heapKernels(backend);
    if (simd === undefined) return undefined;
    const out = allocate(wasm, reduced(x.shape), 'float32', op);
    const partial = allocate(wasm, [columns], 'float32', op);
    const sums = heapF32(wasm, out);
    simd.sumRows(
      heapF32(wasm, x).byteOffset,
      sums.byteOffset,
      heapF32(wasm, partial).byteOffset,
      rows,
      columns,
    );
    release(wasm, partial);
    if (op === 'mean') for (let k = 0; k < columns; k++) sums[k] = sums[k]! / rows;
    return out;
  };
}

export const fasterSum = leadingAxesReduction('sum');
export const fasterMean = leadingAxesReduction('mean');
