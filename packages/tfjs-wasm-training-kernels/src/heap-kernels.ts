/**
 * WebAssembly SIMD loops (assembly/heap-kernels.ts) instantiated over the wasm backend's own
 * memory, so they read and write tensors where the backend keeps them, with no copy. Where the
 * backend's memory is not reachable (a tfjs build that hides it), callers use their JavaScript
 * loops instead.
 */
import { HEAP_KERNELS_WASM_BASE64 } from './heap-kernels-binary.js';

/** The exports of the heap kernels module; pointers are byte offsets in the backend's heap. */
export interface HeapKernels {
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    channels: number,
    outHeight: number,
    outWidth: number,
    strideHeight: number,
    strideWidth: number,
    filterHeight: number,
    filterWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  conv2DBackpropFilter(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    inHeight: number,
    inWidth: number,
    inChannels: number,
    outHeight: number,
    outWidth: number,
    outChannels: number,
    strideHeight: number,
    strideWidth: number,
    filterHeight: number,
    filterWidth: number,
    padTop: number,
    padLeft: number,
  ): void;
  sumRows(x: number, out: number, partial: number, rows: number, columns: number): void;
  tanh(x: number, out: number, n: number): void;
  copyRuns(
    from: number,
    fromStride: number,
    to: number,
    toStride: number,
    runs: number,
    length: number,
  ): void;
  exp(x: number, out: number, n: number): void;
  normalizeColumns(
    x: number,
    mean: number,
    k: number,
    offset: number,
    out: number,
    rows: number,
    columns: number,
  ): void;
  sigmoid(x: number, out: number, n: number): void;
  broadcastBinary(
    a: number,
    b: number,
    out: number,
    rows: number,
    columns: number,
    op: number,
    perRow: boolean,
  ): void;
  batchMatMul(
    a: number,
    b: number,
    c: number,
    scratchA: number,
    scratchB: number,
    batch: number,
    m: number,
    k: number,
    n: number,
    aStride: number,
    bStride: number,
    transposeA: boolean,
    transposeB: boolean,
  ): void;
}

/**
 * The part of the WebAssembly API used here, typed locally: TypeScript declares `WebAssembly`
 * only in its DOM library, which this package's build does not load.
 */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}

const wasmApi = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
let compiled: object | undefined;
const instances = new WeakMap<object, HeapKernels>();
let useHeapKernels = true;

/** Turns the SIMD heap kernels off (the JavaScript loops run instead) or on, for tests. */
export function setHeapKernelsEnabled(enabled: boolean): void {
  useHeapKernels = enabled;
}

/** The backend's WebAssembly memory, if this tfjs build exposes it. */
function backendMemory(backend: unknown): object | undefined {
  const module = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  return wasmApi !== undefined && memory instanceof wasmApi.Memory ? memory : undefined;
}

/** The heap kernels over `backend`'s memory, or undefined where they cannot run. */
export function heapKernels(backend: unknown): HeapKernels | undefined {
  if (!useHeapKernels) return undefined;
  const memory = backendMemory(backend);
  if (memory === undefined || wasmApi === undefined) return undefined;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    if (compiled === undefined) {
      const text = atob(HEAP_KERNELS_WASM_BASE64);
      const bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
      compiled = new wasmApi.Module(bytes);
    }
    const instance = new wasmApi.Instance(compiled, { env: { memory } });
    kernels = instance.exports as unknown as HeapKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}
