/**
 * Faster Tanh, Exp and Sigmoid (opt-in, see faster-kernels.ts): an LSTM's activations and a
 * softmax's exponentials, as SIMD loops on the heap (heap-kernels.ts) within a few units in the
 * last place of the exact value, where the backend's kernels call the scalar functions of its C
 * library one element at a time (about 19 ns an element for tanh).
 */
import { type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { allocate, heapF32, type KernelArgs, type WasmBackend } from './wasm-backend.js';

/**
 * The replacement of a unary kernel by the heap kernel `name` (which also names it in errors):
 * its result, or undefined where the backend's kernel must run (not float32, no heap access).
 */
function simdUnary(name: 'tanh' | 'exp' | 'sigmoid') {
  return ({ inputs, backend }: KernelArgs): TensorInfo | undefined => {
    const { x } = inputs as { x?: TensorInfo };
    if (x === undefined || x.dtype !== 'float32') return undefined;
    const simd = heapKernels(backend);
    if (simd === undefined) return undefined;
    const wasm = backend as WasmBackend;
    const out = allocate(wasm, x.shape, 'float32', name);
    const n = util.sizeFromShape(x.shape);
    if (n > 0) simd[name](heapF32(wasm, x).byteOffset, heapF32(wasm, out).byteOffset, n);
    return out;
  };
}

export const fasterTanh = simdUnary('tanh');
export const fasterExp = simdUnary('exp');
export const fasterSigmoid = simdUnary('sigmoid');
