/**
 * A faster Concat (opt-in, see faster-kernels.ts). The backend's kernel copies each input's run
 * of every outer position with `subarray` and `set`, whose fixed cost dominates when the runs are
 * a few channels long (a U-Net's skip connection concatenates along channels). Here each input's
 * evenly spaced runs of 4-byte values are copied by one SIMD loop on the heap (heap-kernels.ts),
 * other dtypes' short runs by a loop (slice.ts's copyRun).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { heapKernels } from './heap-kernels.js';
import { check, shown } from './input-checks.js';
import { copyRun } from './slice.js';
import { type KernelArgs, requireFits, type WasmBackend } from './wasm-backend.js';

/**
 * The inputs joined along `axis`, or undefined where the backend's kernel must run (strings, or
 * no input). Every input must have x's rank, dtype and sizes except along the axis.
 */
export function fasterConcat({ inputs, backend, attrs }: KernelArgs): TensorInfo | undefined {
  const list = Object.values(inputs ?? {}) as TensorInfo[];
  const first = list[0];
  if (first === undefined || first.dtype === 'string' || first.dtype === 'complex64') {
    return undefined;
  }
  const rank = first.shape.length;
  const raw = attrs?.axis;
  const given = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  check(
    typeof given === 'number' && Number.isInteger(given) && given >= -rank && given < rank,
    'concat',
    () => `axis must be an integer in [-${rank}, ${rank}), got ${shown(raw)}.`,
  );
  const axis = given < 0 ? given + rank : given;
  list.forEach((t, i) => {
    check(
      t.dtype === first.dtype,
      'concat',
      () => `tensors[${i}] is ${t.dtype}, tensors[0] ${first.dtype}: all must have one dtype.`,
    );
    check(
      t.shape.length === rank && t.shape.every((d, j) => j === axis || d === first.shape[j]),
      'concat',
      () =>
        `tensors[${i}] of shape ${shown(t.shape)} does not match tensors[0] of shape ${shown(first.shape)} except along axis ${axis}.`,
    );
  });
  const shape = [...first.shape];
  shape[axis] = list.reduce((a, t) => a + t.shape[axis]!, 0);
  requireFits('concat', shape);
  const wasm = backend as WasmBackend;
  const out = wasm.makeOutput(shape, first.dtype);
  if (shape.some((d) => d === 0)) return out;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const row = shape[axis]! * inner;
  // Views only after the output exists: making it may grow (and so move) the heap.
  const to = wasm.typedArrayFromHeap(out);
  const simd = to.BYTES_PER_ELEMENT === 4 ? heapKernels(backend) : undefined;
  let at = 0;
  for (const t of list) {
    const run = t.shape[axis]! * inner;
    if (run === 0) continue;
    const from = wasm.typedArrayFromHeap(t);
    if (simd !== undefined)
      simd.copyRuns(from.byteOffset, run, to.byteOffset + 4 * at, row, outer, run);
    else for (let b = 0; b < outer; b++) copyRun(from, b * run, to, b * row + at, run);
    at += run;
  }
  return out;
}
