/**
 * The few parts of the wasm backend these kernels use: its heap, its tensor storage, and its own
 * registered kernels (called directly, as the backend's kernels call each other).
 */
import {
  type DataId,
  type DataType,
  getKernel,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';
import { refuse, shown } from './input-checks.js';

/** The backend name every kernel here registers for. */
export const WASM = 'wasm';

/** The surface of `BackendWasm` (from @tensorflow/tfjs-backend-wasm) that the kernels need. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A kernel's arguments as tfjs passes them. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/**
 * Runs the wasm backend's own kernel `name` (for example its XNNPACK Conv2D). The caller owns
 * the result and must dispose it with {@link release} unless it returns it.
 */
export function runWasmKernel(
  backend: WasmBackend,
  name: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, WASM);
  if (kernel === undefined) throw new Error(`the wasm backend has no '${name}' kernel`);
  return kernel.kernelFunc({ inputs, attrs, backend: backend as never }) as TensorInfo;
}

/**
 * The backend's XNNPACK Conv2D (NHWC, stride 1) of x with `filter`, explicitly padded by
 * [top, bottom, left, right], with the given dilations; an output the heap cannot hold is refused
 * first, naming `op`. The caller owns the result.
 */
export function conv2dNhwc(
  backend: WasmBackend,
  x: TensorInfo,
  filter: TensorInfo,
  [top, bottom, left, right]: readonly [number, number, number, number],
  dilations: readonly [number, number] = [1, 1],
  op = 'conv2d',
): TensorInfo {
  const [b, h, w] = x.shape as [number, number, number, number];
  const [kh, kw, , co] = filter.shape as [number, number, number, number];
  requireFits(op, [
    b,
    h + top + bottom - dilations[0] * (kh - 1),
    w + left + right - dilations[1] * (kw - 1),
    co,
  ]);
  return runWasmKernel(
    backend,
    'Conv2D',
    { x, filter },
    {
      strides: [1, 1],
      dilations: [...dilations],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
}

/**
 * The bytes of a float32 or int32 tensor of `shape`; refuses, with tfjs's kind of error naming
 * `op`, a tensor the 32-bit wasm heap cannot address.
 */
export function requireFits(op: string, shape: readonly number[]): number {
  const bytes = util.sizeFromShape([...shape]) * 4;
  if (!(bytes < 2 ** 32))
    refuse(op, `a tensor of shape ${shown(shape)} does not fit in the wasm heap.`);
  return bytes;
}

/**
 * A new tensor of `shape` on the heap, for a kernel of `op`. Refuses, with tfjs's kind of error,
 * a tensor larger than the heap can hold, and one the backend could not allocate (its malloc
 * returns null where the heap cannot grow); nothing is written then.
 */
export function allocate(
  backend: WasmBackend,
  shape: readonly number[],
  dtype: 'float32' | 'int32',
  op: string,
): TensorInfo {
  const bytes = requireFits(op, shape);
  const out = backend.makeOutput([...shape], dtype);
  if (bytes === 0) return out;
  let offset = 0;
  try {
    offset = backend.typedArrayFromHeap(out).byteOffset;
  } catch {
    // A view beyond the heap's end: the allocation failed.
  }
  if (offset === 0) {
    backend.disposeData(out.dataId);
    refuse(op, `a tensor of shape ${shown(shape)} does not fit in the wasm heap.`);
  }
  return out;
}

/** A new tensor of zeros (see {@link allocate}). */
export function zeros(
  backend: WasmBackend,
  shape: readonly number[],
  dtype: 'float32' | 'int32',
  op: string,
): TensorInfo {
  const out = allocate(backend, shape, dtype, op);
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** Frees intermediates made with {@link runWasmKernel}. */
export function release(backend: WasmBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A float32 view of a tensor on the wasm heap. Take views only after the last allocation of a
 * kernel: allocating may grow (and so detach) the heap.
 */
export function heapF32(backend: WasmBackend, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** An int32 view of a tensor on the wasm heap (same caveat as {@link heapF32}). */
export function heapI32(backend: WasmBackend, info: TensorInfo): Int32Array {
  if (info.dtype !== 'int32') throw new Error(`expected an int32 tensor, got ${info.dtype}`);
  return backend.typedArrayFromHeap(info) as Int32Array;
}
