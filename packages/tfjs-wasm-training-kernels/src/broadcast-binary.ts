/**
 * Faster Add, Multiply and Sub where one operand repeats over the other (opt-in, see
 * faster-kernels.ts): a bias or a batch-norm scale over the channels ([C] against [N, H, W, C]),
 * a per-row statistic ([N, 1] against [N, D]), a scalar. The backend's kernels compute every
 * element's source index when the shapes differ, about 3 ns an element, ten times their cost on
 * equal shapes; here a SIMD loop on the heap (heap-kernels.ts) runs row by row. Same shapes,
 * broadcasts on both sides, and other dtypes stay with the backend's kernels. Each element is one
 * IEEE operation, so results equal the cpu backend's exactly.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { broadcastShape } from './broadcast-shape.js';
import { heapKernels } from './heap-kernels.js';
import { check, shown } from './input-checks.js';
import { allocate, heapF32, type KernelArgs, type WasmBackend } from './wasm-backend.js';

const product = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * How `small` repeats over `full` (whose shape is the output's), or null where it is neither of
 * the two layouts the loop takes: the trailing axes of `full` (one row of `columns` values for
 * every row), or its leading axes with ones after (one value per row of `columns`).
 */
function repetition(
  full: readonly number[],
  small: readonly number[],
): { rows: number; columns: number; perRow: boolean } | null {
  const padded = [...Array<number>(full.length - small.length).fill(1), ...small];
  const first = padded.findIndex((d) => d !== 1);
  if (first === -1) return { rows: 1, columns: product(full), perRow: true };
  const last = padded.length - 1 - [...padded].reverse().findIndex((d) => d !== 1);
  const matches = (from: number, to: number) =>
    padded.slice(from, to).every((d, i) => d === full[from + i]);
  if (matches(first, padded.length)) {
    return {
      rows: product(full.slice(0, first)),
      columns: product(full.slice(first)),
      perRow: false,
    };
  }
  if (matches(0, last + 1)) {
    return {
      rows: product(full.slice(0, last + 1)),
      columns: product(full.slice(last + 1)),
      perRow: true,
    };
  }
  return null;
}

/** The loop's operation codes: a + b, a · b, a - b, b - a. */
const OPS = { add: 0, mul: 1, sub: 2 } as const;

/**
 * A replacement for the backend's kernel of `op` (which names it in errors): shapes that do not
 * broadcast are refused first, whichever kernel runs.
 */
function fasterBinary(op: keyof typeof OPS) {
  return ({ inputs, backend }: KernelArgs): TensorInfo | undefined => {
    const { a, b } = inputs as { a?: TensorInfo; b?: TensorInfo };
    if (a === undefined || b === undefined) return undefined;
    const shape = broadcastShape(a.shape, b.shape);
    check(
      shape !== null,
      op,
      () =>
        `operands could not be broadcast together with shapes ${shown(a.shape)} and ${shown(b.shape)}.`,
    );
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const aFull = a.shape.length === shape.length && a.shape.every((d, i) => d === shape[i]);
    const bFull = b.shape.length === shape.length && b.shape.every((d, i) => d === shape[i]);
    if (aFull === bFull) return undefined;
    const [full, small] = aFull ? [a, b] : [b, a];
    const layout = repetition(full.shape, small.shape);
    const simd = heapKernels(backend);
    if (layout === null || simd === undefined) return undefined;
    const wasm = backend as WasmBackend;
    const out = allocate(wasm, shape, 'float32', op);
    if (product(shape) === 0) return out;
    const code = op === 'sub' && !aFull ? 3 : OPS[op];
    simd.broadcastBinary(
      heapF32(wasm, full).byteOffset,
      heapF32(wasm, small).byteOffset,
      heapF32(wasm, out).byteOffset,
      layout.rows,
      layout.columns,
      code,
      layout.perRow,
    );
    return out;
  };
}

export const fasterAdd = fasterBinary('add');
export const fasterMultiply = fasterBinary('mul');
export const fasterSub = fasterBinary('sub');
