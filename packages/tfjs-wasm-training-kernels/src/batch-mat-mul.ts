/**
 * A faster BatchMatMul (opt-in, see faster-kernels.ts) for products with a transposed operand,
 * which is what every matrix product's gradient computes (dA = dC·Bᵀ and dB = Aᵀ·dC), and for
 * batches of small products, such as attention's. The backend's own kernel reads a transposed
 * operand with a stride, and runs 4-25x slower than the plain product of the same sizes; its
 * batched products run one scalar loop per matrix. Here a SIMD loop on the heap
 * (heap-kernels.ts) runs every product of the batch, a transposed operand first copied into the
 * plain layout. Where that loop cannot run (a tfjs build that hides its heap, or batch shapes
 * that broadcast axis by axis), each transposed operand is made contiguous by the backend's
 * Transpose kernel and the backend's kernel runs the plain product. A single plain product stays
 * with the backend's kernel (XNNPACK). The sums run in order over the inner axis, so results can
 * differ from the backend's in the last bits.
 */
import type { BatchMatMulAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { broadcastShape } from './broadcast-shape.js';
import { heapKernels } from './heap-kernels.js';
import { check, shown } from './input-checks.js';
import {
  allocate,
  heapF32,
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

/**
 * Multiply-adds above which a single product with a transposed first operand goes to the
 * backend's kernel after a transpose: [128, 256]ᵀ × [128, 1024] (33.5 million) took 2.1 ms that
 * way and 3.0 ms in the SIMD loop, while [4096, 16]ᵀ × [4096, 48] (3.1 million) took 0.41 ms that
 * way and 0.24 ms in the SIMD loop.
 */
const LARGE_PRODUCT = 2 ** 24;

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

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
  const innerA = (transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1])!;
  const innerB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  check(
    innerA === innerB,
    'matMul',
    () =>
      `inner shapes (${innerA}) and (${innerB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
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
  const count = size(batch);
  if (count === 1 && !transposeA && !transposeB) return undefined;
  const simd = heapKernels(backend);
  const aCount = size(a.shape.slice(0, -2));
  const bCount = size(b.shape.slice(0, -2));
  // Each operand is one matrix per product, or one matrix for all (a broadcast per axis is not);
  // a large single product with a transposed first operand runs faster as XNNPACK's plain one.
  const large = count === 1 && transposeA && rows * innerA * columns > LARGE_PRODUCT;
  if (
    simd !== undefined &&
    !large &&
    (aCount === count || aCount === 1) &&
    (bCount === count || bCount === 1)
  ) {
    const out = allocate(wasm, [...batch, rows, columns], 'float32', 'matMul');
    if (count === 0 || rows === 0 || columns === 0) return out;
    const scratchA = transposeA ? allocate(wasm, [rows * innerA], 'float32', 'matMul') : null;
    const scratchB = transposeB ? allocate(wasm, [innerA * columns], 'float32', 'matMul') : null;
    const at = (t: TensorInfo | null) => (t === null ? 0 : heapF32(wasm, t).byteOffset);
    simd.batchMatMul(
      at(a),
      at(b),
      at(out),
      at(scratchA),
      at(scratchB),
      count,
      rows,
      innerA,
      columns,
      aCount === 1 ? 0 : rows * innerA,
      bCount === 1 ? 0 : innerA * columns,
      transposeA,
      transposeB,
    );
    release(wasm, ...[scratchA, scratchB].filter((t) => t !== null));
    return out;
  }
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
