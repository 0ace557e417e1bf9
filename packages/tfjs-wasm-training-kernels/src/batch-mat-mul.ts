/**
 * A faster BatchMatMul for products with a transposed operand (opt-in, see faster-kernels.ts),
 * which is what every matrix product's gradient computes: dA = dC·Bᵀ and dB = Aᵀ·dC. The
 * backend's own kernel reads a transposed operand with a stride, and runs 4-25x slower than the
 * plain product of the same sizes; here each transposed operand is first made contiguous by the
 * backend's Transpose kernel (its last two axes swapped), and the backend's kernel then runs the
 * plain product. The sums run in the order of the plain product, so results can differ from the
 * backend's transposed product in the last bits.
 */
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { check, shown } from './input-checks.js';
import {
  type KernelArgs,
  release,
  requireFits,
  runWasmKernel,
  type WasmBackend,
  zeros,
} from './wasm-backend.js';

/** `x` with its last two axes swapped, as a new tensor on the heap (the caller releases it). */
function transposedLastTwo(backend: WasmBackend, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

/** The batch shape of a product: numpy's broadcast of the two leading shapes, or null. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * The product with each transposed operand transposed first, or undefined where the backend's
 * kernel must run as it is: no transposed operand, or a dtype other than float32 (which that
 * kernel refuses). Every float32 call is checked first, transposed or not: ranks of at least 2,
 * matching inner sizes (with the backend's message for the call as made), batch shapes that
 * broadcast, and an output the heap can hold. An empty inner size gives zeros.
 */
export function fasterBatchMatMul(
  { inputs, backend, attrs }: KernelArgs,
  own: KernelFunc,
): TensorInfo | undefined {
  const { a, b } = inputs as { a?: TensorInfo; b?: TensorInfo };
  const { transposeA, transposeB } = (attrs ?? {}) as unknown as BatchMatMulAttrs;
  if (a === undefined || b === undefined) return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  check(
    aRank >= 2 && bRank >= 2,
    'matMul',
    () => `both operands need rank 2 or more, got shapes ${shown(a.shape)} and ${shown(b.shape)}.`,
  );
  const innerA = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const innerB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  check(
    innerA === innerB,
    'matMul',
    () =>
      `inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const batch = broadcastBatch(a.shape.slice(0, -2), b.shape.slice(0, -2));
  check(
    batch !== null,
    'matMul',
    () =>
      `batch shapes ${shown(a.shape.slice(0, -2))} and ${shown(b.shape.slice(0, -2))} do not broadcast.`,
  );
  const rows = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const columns = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const wasm = backend as WasmBackend;
  // An empty inner size sums nothing: zeros (the backend's kernel leaves its output unwritten).
  if (innerA === 0) return zeros(wasm, [...batch, rows, columns], 'float32', 'matMul');
  requireFits('matMul', [...batch, rows, columns]);
  if (!transposeA && !transposeB) return undefined;
  const made: TensorInfo[] = [];
  try {
    const left = transposeA ? transposedLastTwo(wasm, a) : a;
    if (transposeA) made.push(left);
    const right = transposeB ? transposedLastTwo(wasm, b) : b;
    if (transposeB) made.push(right);
    return own({
      inputs: { a: left, b: right },
      backend: backend as never,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
  } finally {
    release(wasm, ...made);
  }
}
