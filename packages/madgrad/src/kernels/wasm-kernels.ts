import { InvalidOptionError, UnsupportedEnvironmentError } from '../maths/errors.js';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';
import type {
  MadgradBuffers,
  MadgradScalars,
  MirrorBuffers,
  MirrorScalars,
  StepKernels,
} from '../maths/step-kernels.js';
import { type KernelMemory, kernelMemory, STAGE_FLOATS } from './kernel-memory.js';
import { availableThreads, ThreadPool } from './thread-pool.js';
import { hasWasmSimd } from './wasm-support.js';

export interface WasmKernelOptions {
  /**
   * Threads for large tensors, the calling one included: a number, or 'auto' for every hardware
   * thread (Node only; elsewhere, and with 1, everything runs on the calling thread).
   * @default 'auto'
   */
  readonly threads?: number | 'auto';
  /**
   * Tensors with fewer elements than this stay on the calling thread.
   * @default 131072
   */
  readonly minParallel?: number;
  /**
   * The memory to work in.
   * @default the process-wide kernel memory, shared by every optimizer
   */
  readonly memory?: KernelMemory;
}

/** The WebAssembly SIMD kernels: a `StepKernels` that also places arrays in its memory. */
export interface WasmKernels extends StepKernels {
  /** Threads a large step uses now (workers start in the background). */
  readonly threads: number;
  /**
   * A zeroed Float32Array in the kernels' memory (a plain one where that memory is not shared).
   * Parameters and gradients there are updated in place; others are copied in and out, block
   * by block. The memory is reused once this very array object is garbage collected: keep it
   * (not only a subarray of it) alive as long as any view of it is in use.
   */
  allocate(length: number): Float32Array;
  /** True when `a` lives in the kernels' memory. */
  holds(a: Float32Array): boolean;
  /** Resolves once every worker thread has started. */
  ready(): Promise<void>;
  /** Stops the worker threads (the kernels keep working on the calling thread). */
  close(): void;
}

const DEFAULT_MIN_PARALLEL = 131072;
/** Every kernel set `createWasmKernels` made (see `isWasmKernels`). */
const made = new WeakSet<StepKernels>();

/** True for kernels made by `createWasmKernels` (whose results other instances reproduce bitwise). */
export function isWasmKernels(kernels: StepKernels): kernels is WasmKernels {
  return made.has(kernels);
}
/** Floats per block when arrays outside the memory are copied in for a parallel step (4 MiB). */
const PARALLEL_BLOCK = 1 << 20;

/**
 * Builds a set of WebAssembly SIMD kernels. Throws where WebAssembly SIMD is missing (use
 * `hasWasmSimd()` first, or the optimizers' `kernels: 'auto'`, which falls back to TypeScript).
 */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernels {
  if (!hasWasmSimd()) {
    throw new UnsupportedEnvironmentError(
      'WebAssembly SIMD is not available here; use the "js" kernels instead',
    );
  }
  const memory = options.memory ?? kernelMemory();
  const wanted =
    options.threads === 'auto' || options.threads === undefined
      ? availableThreads()
      : options.threads;
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new InvalidOptionError(
      `threads must be a positive integer or 'auto', got ${options.threads}`,
    );
  }
  const minParallel = options.minParallel ?? DEFAULT_MIN_PARALLEL;
  if (!Number.isInteger(minParallel) || minParallel < 0) {
    throw new InvalidOptionError(
      `minParallel must be a non-negative integer, got ${options.minParallel}`,
    );
  }
  let pool: ThreadPool | null | undefined;
  const k = memory.exports;
  const getPool = () => {
    if (pool === undefined) pool = ThreadPool.create(memory, wanted);
    return pool;
  };

  /** Per-array blocks in kernel memory for parallel steps of arrays that live elsewhere. */
  const blocks: (Float32Array | null)[] = [];
  const blockView = (i: number): Float32Array | null => {
    blocks[i] ??= memory.allocate(PARALLEL_BLOCK);
    return blocks[i] ?? null;
  };

  /**
   * Runs a step over [0, n) for arrays given with their pointers (-1: not in the memory; 0: no
   * array). If every array is in the memory it runs in place: split across threads when large
   * (`parallel`), else on this thread. Otherwise the outside arrays are copied through buffers in
   * the memory block by block (those in `written` copied back): large tensors through blocks of
   * PARALLEL_BLOCK floats that the threads share, small ones through the staging slots of
   * STAGE_FLOATS floats, which stay in cache.
   */
  function runStep(
    arrays: readonly (Float32Array | null)[],
    pointers: readonly number[],
    written: readonly boolean[],
    n: number,
    single: (ptrs: readonly number[], lo: number, hi: number) => void,
    parallel: (ptrs: readonly number[], len: number) => void,
  ): void {
    const inPlace = pointers.every((p) => p >= 0);
    const threaded = wanted > 1 && n >= minParallel && getPool() !== null;
    if (inPlace) {
      if (threaded) parallel(pointers, n);
      else single(pointers, 0, n);
      return;
    }
    const useBlocks = threaded && pointers.every((p, i) => p >= 0 || blockView(i) !== null);
    const step = useBlocks ? PARALLEL_BLOCK : STAGE_FLOATS;
    const view = (i: number) => (useBlocks ? blockView(i)! : memory.stageView(i));
    const ptrs = pointers.slice();
    for (let lo = 0; lo < n; lo += step) {
      const hi = Math.min(n, lo + step);
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i];
        if (!a) continue;
        if (pointers[i]! < 0) {
          const v = view(i);
          v.set(a.subarray(lo, hi));
          ptrs[i] = useBlocks ? v.byteOffset : memory.stagePointer(i);
        } else {
          ptrs[i] = pointers[i]! + lo * 4;
        }
      }
      if (useBlocks) parallel(ptrs, hi - lo);
      else single(ptrs, 0, hi - lo);
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i];
        if (a && written[i] && pointers[i]! < 0) a.set(view(i).subarray(0, hi - lo), lo);
      }
    }
  }

  const kernels: WasmKernels = {
    name: 'wasm',
    get threads() {
      const p = getPool();
      return p ? 1 + p.readyWorkers : 1;
    },
    madgradDense(b: MadgradBuffers, g: Float32Array, c: MadgradScalars) {
      const n = b.p.length;
      if (n === 0) return;
      const arrays = [b.p, g, b.v, b.s, b.x0];
      const pointers = arrays.map((a) => (a ? memory.pointerOf(a) : 0));
      const lrDecay = c.lr * c.weightDecay;
      const scalars = [c.lamb, c.momentum, c.eps, c.weightDecay, lrDecay];
      const run = (ptrs: readonly number[], lo: number, hi: number) =>
        k.madgrad(
          ptrs[0]!,
          ptrs[1]!,
          ptrs[2]!,
          ptrs[3]!,
          ptrs[4]!,
          lo,
          hi,
          c.lamb,
          c.momentum,
          c.eps,
          c.weightDecay,
          lrDecay,
          c.decoupleDecay,
        );
      runStep(arrays, pointers, [true, false, true, true, false], n, run, (ptrs, len) =>
        pool!.run(
          { kind: 0, pointers: ptrs as never, n: len, scalars, decouple: c.decoupleDecay },
          (lo, hi) => run(ptrs, lo, hi),
        ),
      );
    },
    mirrorDense(b: MirrorBuffers, g: Float32Array, c: MirrorScalars) {
      const n = b.p.length;
      if (n === 0) return;
      const arrays = [b.p, g, b.v, b.z];
      const pointers = arrays.map((a) => memory.pointerOf(a));
      const lrDecay = c.lr * c.weightDecay;
      const scalars = [c.stepSize, c.ratio, c.momentum, c.eps, c.weightDecay, lrDecay];
      const run = (ptrs: readonly number[], lo: number, hi: number) =>
        k.mirror(
          ptrs[0]!,
          ptrs[1]!,
          ptrs[2]!,
          ptrs[3]!,
          lo,
          hi,
          c.stepSize,
          c.ratio,
          c.momentum,
          c.eps,
          c.weightDecay,
          lrDecay,
          c.decoupleDecay,
        );
      runStep(arrays, pointers, [true, false, true, true], n, run, (ptrs, len) =>
        pool!.run(
          { kind: 1, pointers: [...ptrs, 0] as never, n: len, scalars, decouple: c.decoupleDecay },
          (lo, hi) => run(ptrs, lo, hi),
        ),
      );
    },
    firstNonFinite(values: Float32Array, limit = FLOAT32_MAX) {
      const ptr = memory.pointerOf(values);
      if (ptr >= 0) return k.firstNonFinite(ptr, values.length, limit);
      // Elsewhere: copy through a staging slot in chunks that stay in cache.
      for (let lo = 0; lo < values.length; lo += STAGE_FLOATS) {
        const chunk = values.subarray(lo, lo + STAGE_FLOATS);
        memory.stageView(1).set(chunk);
        const bad = k.firstNonFinite(memory.stagePointer(1), chunk.length, limit);
        if (bad >= 0) return lo + bad;
      }
      return -1;
    },
    allocate(length: number) {
      return memory.allocate(length) ?? new Float32Array(length);
    },
    holds(a: Float32Array) {
      return memory.pointerOf(a) >= 0;
    },
    async ready() {
      await getPool()?.ready();
    },
    close() {
      pool?.close();
      pool = null;
    },
  };
  made.add(kernels);
  return kernels;
}
