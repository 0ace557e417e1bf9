/**
 * A faster FusedBatchNorm (opt-in, see faster-kernels.ts) for per-channel statistics, as a conv
 * net's batch normalization has them ([C] against [N, H, W, C]): the factor
 * k = scale / sqrt(variance + ε) per channel in JavaScript, then one SIMD pass on the heap
 * (heap-kernels.ts), out = offset + (x - mean) · k, where the backend's kernel indexes every
 * parameter per element.
 */
import { type FusedBatchNormAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { check, shown } from './input-checks.js';
import { allocate, heapF32, type KernelArgs, release, type WasmBackend } from './wasm-backend.js';

/**
 * The normalized x, or undefined where the backend's kernel must run: not float32, or a mean,
 * variance, offset or scale that is not one value per channel of x's last axis. A
 * varianceEpsilon that is not a finite number is refused first.
 */
export function fasterBatchNorm({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const { x, mean, variance, offset, scale } = inputs as Record<string, TensorInfo | undefined>;
  const { varianceEpsilon } = (attrs ?? {}) as unknown as FusedBatchNormAttrs;
  check(
    typeof varianceEpsilon === 'number' && Number.isFinite(varianceEpsilon),
    'batchNorm',
    () => `varianceEpsilon must be a finite number, got ${shown(varianceEpsilon)}.`,
  );
  if (x === undefined || mean === undefined || variance === undefined) return undefined;
  const channels = x.shape[x.shape.length - 1] ?? 0;
  const perChannel = (t: TensorInfo | undefined) =>
    t === undefined || (t.dtype === 'float32' && util.sizeFromShape(t.shape) === channels);
  if (x.dtype !== 'float32' || x.shape.length === 0 || channels === 0) return undefined;
  if (![mean, variance, offset, scale].every(perChannel)) return undefined;
  const simd = heapKernels(backend);
  if (simd === undefined) return undefined;
  const wasm = backend as WasmBackend;
  const out = allocate(wasm, x.shape, 'float32', 'batchNorm');
  const rows = util.sizeFromShape(x.shape) / channels;
  if (rows === 0) return out;
  const factor = allocate(wasm, [channels], 'float32', 'batchNorm');
  const shift = offset === undefined ? allocate(wasm, [channels], 'float32', 'batchNorm') : null;
  // Views only after the last allocation: allocating may grow (and so move) the heap.
  const k = heapF32(wasm, factor);
  const v = heapF32(wasm, variance);
  const s = scale === undefined ? null : heapF32(wasm, scale);
  for (let c = 0; c < channels; c++)
    k[c] = (s === null ? 1 : s[c]!) / Math.sqrt(v[c]! + varianceEpsilon);
  if (shift !== null) heapF32(wasm, shift).fill(0);
  simd.normalizeColumns(
    heapF32(wasm, x).byteOffset,
    heapF32(wasm, mean).byteOffset,
    k.byteOffset,
    heapF32(wasm, shift ?? offset!).byteOffset,
    heapF32(wasm, out).byteOffset,
    rows,
    channels,
  );
  release(wasm, factor, ...(shift === null ? [] : [shift]));
  return out;
}
