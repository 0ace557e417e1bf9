/**
 * Faster Slice, SplitV and Unpack (opt-in, see faster-kernels.ts). The backend's Slice first
 * copies the whole input out of the heap (its `readSync`) and then copies the slice from that
 * copy, so splitting a tensor into k parts copies it k times; SplitV and Unpack slice that way
 * once per part. Here each part is copied once, straight from the input's place on the heap, in
 * runs as long as the layout allows (the trailing axes a slice takes whole are one run).
 */
import type { NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { type HeapKernels, heapKernels } from './heap-kernels.js';
import { check, isCount, shown } from './input-checks.js';
import { type KernelArgs, requireFits, type WasmBackend } from './wasm-backend.js';

/** A tensor's values on the heap, as the backend's `typedArrayFromHeap` views them. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
}

/**
 * Copies `run` values from `from` at `fromStart` to `to` at `toStart`: short runs (a few channels)
 * by a loop, long ones by `set`, whose fixed cost a short run would not repay.
 */
export function copyRun(
  from: HeapArray,
  fromStart: number,
  to: HeapArray,
  toStart: number,
  run: number,
): void {
  if (run < 64) {
    for (let j = 0; j < run; j++) to[toStart + j] = from[fromStart + j]!;
  } else {
    to.set(from.subarray(fromStart, fromStart + run), toStart);
  }
}

/**
 * Copies the block of `x` at `begin` of `size` into `out`: one contiguous run per position of the
 * leading axes, the run covering the last axis the block does not take whole and every axis after.
 * Where those runs are evenly spaced (a cut along one of the first two axes) and the values are 4
 * bytes wide, one SIMD loop on the heap copies them all (`simd`, when reachable).
 */
function copyBlock(
  x: HeapArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  out: HeapArray,
  simd?: HeapKernels,
): void {
  const strides = stridesOf(shape);
  let d = shape.length - 1;
  while (d > 0 && begin[d] === 0 && size[d] === shape[d]) d--;
  const run = d < 0 ? 1 : size[d]! * strides[d]!;
  let start = 0;
  for (let i = 0; i <= d; i++) start += begin[i]! * strides[i]!;
  const runs = out.length / run;
  if (simd !== undefined && d <= 1 && x.BYTES_PER_ELEMENT === 4) {
    const from = x.byteOffset + 4 * start;
    simd.copyRuns(from, d === 1 ? strides[0]! : 0, out.byteOffset, run, runs, run);
    return;
  }
  const index = new Array<number>(Math.max(d, 0)).fill(0);
  for (let r = 0, o = 0; r < runs; r++, o += run) {
    let offset = start;
    for (let i = 0; i < d; i++) offset += index[i]! * strides[i]!;
    copyRun(x, offset, out, o, run);
    for (let i = d - 1; i >= 0; i--) {
      if (++index[i]! < size[i]!) break;
      index[i] = 0;
    }
  }
}

/** A new tensor holding the block of `x` at `begin` of `size` (both checked by the caller). */
function sliceOf(
  backend: WasmBackend,
  x: TensorInfo,
  begin: readonly number[],
  size: readonly number[],
  op: string,
): TensorInfo {
  requireFits(op, size);
  const out = backend.makeOutput([...size], x.dtype);
  if (out.shape.reduce((a, b) => a * b, 1) === 0) return out;
  // Views only after the output exists: making it may grow (and so move) the heap.
  const from = backend.typedArrayFromHeap(x);
  copyBlock(from, x.shape, begin, size, backend.typedArrayFromHeap(out), heapKernels(backend));
  return out;
}

/** Only tensors kept as numbers on the heap; strings stay with the backend's kernels. */
const onHeap = (x: TensorInfo | undefined): x is TensorInfo =>
  x !== undefined && x.dtype !== 'string' && x.dtype !== 'complex64';

/**
 * The block a Slice takes: `begin` (a number is the first axis's) and `size` (-1 to the end),
 * each entry within x's shape, as tfjs's slice op checks them.
 */
function sliceBlock(x: TensorInfo, attrs: NamedAttrMap): { begin: number[]; size: number[] } {
  const rank = x.shape.length;
  const asList = (v: unknown, fill: number) =>
    typeof v === 'number' ? [v, ...new Array<number>(rank - 1).fill(fill)] : v;
  const begin = asList(attrs.begin, 0);
  const size = asList(attrs.size, -1);
  check(
    Array.isArray(begin) && begin.length === rank && begin.every(isCount),
    'slice',
    () => `begin must hold ${rank} non-negative integers (x's rank), got ${shown(attrs.begin)}.`,
  );
  check(
    Array.isArray(size) &&
      size.length === rank &&
      size.every((s: unknown) => s === -1 || isCount(s)),
    'slice',
    () => `size must hold ${rank} integers, each -1 or at least 0, got ${shown(attrs.size)}.`,
  );
  const taken = (size as number[]).map((s, d) => (s === -1 ? x.shape[d]! - begin[d]! : s));
  check(
    taken.every((s, d) => s >= 0 && begin[d]! + s <= x.shape[d]!),
    'slice',
    () => `begin ${shown(begin)} and size ${shown(size)} reach beyond x's shape ${shown(x.shape)}.`,
  );
  return { begin: begin as number[], size: taken };
}

export function fasterSlice({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { x } = inputs as { x?: TensorInfo };
  if (!onHeap(x)) return undefined;
  const { begin, size } = sliceBlock(x, attrs ?? {});
  return sliceOf(backend as WasmBackend, x, begin, size, 'slice');
}

/** An axis in [-rank, rank), as an index in [0, rank). */
function axisOf(axis: unknown, rank: number, op: string): number {
  check(
    typeof axis === 'number' && Number.isInteger(axis) && axis >= -rank && axis < rank,
    op,
    () => `axis must be an integer in [-${rank}, ${rank}), got ${shown(axis)}.`,
  );
  return axis < 0 ? axis + rank : axis;
}

/** The parts' sizes along the axis: a count that divides it, or sizes (one may be -1) summing to it. */
function splitSizes(numOrSizeSplits: unknown, length: number): number[] {
  if (typeof numOrSizeSplits === 'number') {
    check(
      isCount(numOrSizeSplits) && numOrSizeSplits > 0 && length % numOrSizeSplits === 0,
      'split',
      () => `${shown(numOrSizeSplits)} parts do not evenly divide the axis of size ${length}.`,
    );
    return new Array<number>(numOrSizeSplits).fill(length / numOrSizeSplits);
  }
  const sizes = numOrSizeSplits;
  check(
    Array.isArray(sizes) &&
      sizes.length > 0 &&
      sizes.every((s: unknown) => s === -1 || isCount(s)) &&
      sizes.filter((s) => s === -1).length <= 1,
    'split',
    () => `sizes must be integers >= 0 (one may be -1), got ${shown(numOrSizeSplits)}.`,
  );
  const known = (sizes as number[]).reduce((a, s) => (s === -1 ? a : a + s), 0);
  const filled = (sizes as number[]).map((s) => (s === -1 ? length - known : s));
  check(
    filled.every((s) => s >= 0) && filled.reduce((a, b) => a + b, 0) === length,
    'split',
    () => `sizes ${shown(numOrSizeSplits)} do not sum to the axis's size ${length}.`,
  );
  return filled;
}

export function fasterSplitV({ inputs, backend, attrs }: KernelArgs): TensorInfo[] | undefined {
  const { x } = inputs as { x?: TensorInfo };
  if (!onHeap(x)) return undefined;
  const axis = axisOf(attrs?.axis, x.shape.length, 'split');
  const sizes = splitSizes(attrs?.numOrSizeSplits, x.shape[axis]!);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceOf(backend as WasmBackend, x, begin, size, 'split');
    begin[axis]! += s;
    return part;
  });
}

export function fasterUnpack({ inputs, backend, attrs }: KernelArgs): TensorInfo[] | undefined {
  const { value } = inputs as { value?: TensorInfo };
  if (!onHeap(value)) return undefined;
  const rank = value.shape.length;
  const axis = axisOf(attrs?.axis, rank, 'unstack');
  const shape = value.shape.filter((_, d) => d !== axis);
  const size = [...value.shape];
  size[axis] = 1;
  const begin = new Array<number>(rank).fill(0);
  return Array.from({ length: value.shape[axis]! }, (_, i) => {
    begin[axis] = i;
    const { dataId, dtype } = sliceOf(backend as WasmBackend, value, begin, size, 'unstack');
    return { dataId, dtype, shape };
  });
}
