/**
 * A faster Tanh (opt-in, see faster-kernels.ts), an LSTM's activation: a SIMD loop on the heap
 * (heap-kernels.ts) within a few units in the last place of the exact value, where the backend's
 * kernel calls the scalar tanh of its C library, about 19 ns an element.
 */
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { allocate, heapF32, type KernelArgs, type WasmBackend } from './wasm-backend.js';

/** tanh of x, or undefined where the backend's kernel must run (not float32, no heap access). */
export function fasterTanh({ inputs, backend }: KernelArgs): TensorInfo | undefined {
  const { x } = inputs as { x?: TensorInfo };
  if (x === undefined || x.dtype !== 'float32') return undefined;
  const simd = heapKernels(backend);
  if (simd === undefined) return undefined;
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, x.shape, 'float32', 'tanh');
  const n = util.sizeFromShape(x.shape);
  if (n > 0) simd.tanh(heapF32(wasm, x).byteOffset, heapF32(wasm, out).byteOffset, n);
  return out;
}
