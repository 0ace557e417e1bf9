import * as tf from '@tensorflow/tfjs-core';
import { InvalidParameterError, UnsupportedEnvironmentError } from '../maths/errors.js';

/**
 * Direct access to the float32 data of tensors on the `cpu` and `wasm` backends, so that an
 * optimizer step can run the core's kernels over the data where it lives instead of a chain of
 * tfjs ops (each of which would allocate a new tensor of the variable's size).
 *
 * - cpu: the backend's data store (`backend.data`) holds `{ values: Float32Array, refCount }`
 *   per data id; `values` is the tensor's storage.
 * - wasm: data lives in the module's heap at `memoryOffset`; `typedArrayFromHeap` returns a
 *   Float32Array view of it. A view is invalidated when the heap grows (any allocation), so views
 *   are taken right before the kernel runs, after every allocation of the step.
 *
 * Tensors are immutable in tfjs and several may share one data id (a variable made from a tensor,
 * `clone`, `reshape`, `assign`). Before writing in place, `ensureOwned` gives the variable a
 * private copy whenever its data id is shared, so no other tensor ever sees the change.
 */
export type FastBackendName = 'cpu' | 'wasm';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  refCount(dataId: object): number;
}

interface WasmBackendLike {
  typedArrayFromHeap(info: { shape: number[]; dtype: string; dataId: object }): unknown;
  refCount(dataId: object): number;
}

/** The name of the active backend when it is one whose memory we can address, else null. */
export function fastBackendName(): FastBackendName | null {
  const name = tf.getBackend();
  const backend = tf.backend() as unknown as Partial<CpuBackendLike & WasmBackendLike>;
  if (name === 'cpu' && typeof backend.data?.get === 'function') return 'cpu';
  if (name === 'wasm' && typeof backend.typedArrayFromHeap === 'function') return 'wasm';
  return null;
}

/**
 * A Float32Array over the tensor's storage on the active (cpu or wasm) backend. Writing to it
 * changes the tensor; read-only callers must not write. On wasm the view dies at the next heap
 * allocation.
 */
export function float32View(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32')
    throw new InvalidParameterError(`expected a float32 tensor, got ${t.dtype}`);
  const backend = tf.backend() as unknown as CpuBackendLike & WasmBackendLike;
  const name = tf.getBackend();
  let view: unknown;
  if (name === 'wasm') {
    view = backend.typedArrayFromHeap({ shape: t.shape, dtype: t.dtype, dataId: t.dataId });
  } else if (name === 'cpu') {
    view = backend.data.get(t.dataId)?.values;
  } else {
    throw new UnsupportedEnvironmentError(`no direct memory access on the ${name} backend`);
  }
  if (!(view instanceof Float32Array) || view.length !== t.size) {
    throw new UnsupportedEnvironmentError(
      `tensor ${t.id} has no float32 storage of ${t.size} values on ${name}`,
    );
  }
  return view;
}

/**
 * Makes sure `v` alone owns its data (and, on cpu, that the data is a Float32Array), copying it
 * into a fresh tensor otherwise. Allocates, so call it before taking views.
 */
export function ensureOwned(v: tf.Variable): void {
  const backend = tf.backend() as unknown as CpuBackendLike;
  let shared = backend.refCount(v.dataId) > 1;
  if (!shared && tf.getBackend() === 'cpu') {
    shared = !(backend.data.get(v.dataId)?.values instanceof Float32Array);
  }
  if (!shared) return;
  const copy = tf.tensor(Float32Array.from(v.dataSync() as Float32Array), v.shape, 'float32');
  v.assign(copy);
  copy.dispose();
}

interface EngineInternals {
  backend: unknown;
  state: { tensorInfo: { get(dataId: object): { backend: unknown } | undefined } };
  moveData(backend: unknown, dataId: object): void;
}

/**
 * Moves a tensor's data to the active backend if it lives on another one (after `setBackend`),
 * as tfjs does lazily before running a kernel on it. Allocates, so call it before taking views.
 */
export function ensureOnActiveBackend(t: tf.Tensor): void {
  const engine = tf.engine() as unknown as EngineInternals;
  const info = engine.state.tensorInfo.get(t.dataId);
  if (info && info.backend !== engine.backend) engine.moveData(engine.backend, t.dataId);
}

interface WasmInternals {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  wasm: {
    tfjs: {
      disposeData(id: number): void;
      registerTensor(id: number, size: number, memoryOffset: number): void;
    };
  };
}

/**
 * Tells the active backend that a tensor's values changed in place. The wasm backend caches
 * XNNPACK operators per tensor id with the weights packed inside (matMul, conv2d), assuming
 * tensors never change; re-registering the id drops those caches (the C++ `dispose_data` runs the
 * disposal callbacks and leaves the memory, which the JavaScript side owns, alone). The cpu
 * backend caches nothing.
 */
export function valuesChanged(t: tf.Tensor): void {
  if (tf.getBackend() !== 'wasm') return;
  const backend = tf.backend() as unknown as WasmInternals;
  const entry = backend.dataIdMap.get(t.dataId);
  if (!entry) return;
  backend.wasm.tfjs.disposeData(entry.id);
  backend.wasm.tfjs.registerTensor(entry.id, t.size, entry.memoryOffset);
}

/** A `WebAssembly.Memory` (typed structurally: the project's TypeScript lib has no WebAssembly). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * The WebAssembly.Memory that holds the wasm backend's tensors, or null when the active backend
 * is not wasm. Kernels that see `view.buffer === memory.buffer` can work on the tensors in place,
 * for instance from a WebAssembly module instantiated with this memory as its imported memory,
 * instead of copying them into their own memory and back.
 */
export function wasmBackendMemory(): WasmMemory | null {
  if (tf.getBackend() !== 'wasm') return null;
  const memory = (tf.backend() as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm
    ?.memory;
  const MemoryClass = (globalThis as unknown as { WebAssembly: { Memory: new () => object } })
    .WebAssembly.Memory;
  return memory instanceof MemoryClass ? (memory as WasmMemory) : null;
}

interface WasmHeapInternals {
  wasm?: { _malloc?(bytes: number): number; _free?(offset: number): void };
}

/** A region of the wasm backend's heap from its own allocator (see `wasmHeapScratch`). */
export interface WasmHeapScratch {
  /** A Float32Array view of the first `length` floats (take it after every allocation). */
  view(length: number): Float32Array;
  /** Gives the region back to the backend's allocator. */
  free(): void;
}

/**
 * `floats` float32 values of scratch in the wasm backend's heap (its exported malloc), so that
 * kernels working in place there can read them; null when the active backend is not wasm or
 * exposes no allocator. Allocates (the heap may grow): take every other view after this.
 */
export function wasmHeapScratch(floats: number): WasmHeapScratch | null {
  const memory = wasmBackendMemory();
  const wasm = (tf.backend() as unknown as WasmHeapInternals).wasm;
  if (memory === null || typeof wasm?._malloc !== 'function' || typeof wasm._free !== 'function') {
    return null;
  }
  const offset = wasm._malloc(Math.max(1, floats) * 4);
  if (!offset) return null;
  const free = wasm._free.bind(wasm);
  return {
    view: (length) => new Float32Array(memory.buffer, offset, length),
    free: () => free(offset),
  };
}
