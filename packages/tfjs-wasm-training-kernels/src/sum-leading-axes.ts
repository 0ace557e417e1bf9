/**
 * A faster Sum for reductions over the leading axes (opt-in, see faster-kernels.ts), such as the
 * gradient of a bias over [batch, height, width]: out[k] = sum_r x[r, k] by a WebAssembly SIMD
 * loop on the backend's heap (heap-kernels.ts), where the backend's own kernel first transposes
 * x to put the reduced axes last.
 */
import { type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { heapF32, type KernelArgs, release, type WasmBackend } from './wasm-backend.js';

/** Runs the leading-axes sum, or returns undefined where the backend's kernel must. */
export function fasterSum({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as SumAttrs;
  if (x.dtype !== 'float32' || x.shape.length === 0) return undefined;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  // Leading axes only, and not all of them (a full sum has a single column: no gain).
  if (axes.length === 0 || axes.length === x.shape.length || axes.some((a, i) => a !== i)) {
    return undefined;
  }
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const kept = x.shape.slice(axes.length);
  const columns = util.sizeFromShape(kept);
  if (rows === 0 || columns === 0) return undefined;
  const simd = heapKernels(backend);
  if (simd === undefined) return undefined;
  const wasm = backend as WasmBackend;
  const shape = keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = wasm.makeOutput(shape, 'float32');
  const partial = wasm.makeOutput([columns], 'float32');
  simd.sumRows(
    heapF32(wasm, x).byteOffset,
    heapF32(wasm, out).byteOffset,
    heapF32(wasm, partial).byteOffset,
    rows,
    columns,
  );
  release(wasm, partial);
  return out;
}
