import { type WasmHeapScratch, wasmHeapScratch } from './backend-memory.js';

/**
 * Room for the scaled (clipped) or de-aliased copy of a gradient during a view step: a host
 * Float32Array kept between steps, or, for kernels working in place in the wasm backend's heap,
 * a region of that heap (so the copy is in place too), taken for one step and given back.
 */
export class GradientScratch {
  private host = new Float32Array(0);
  private heap: WasmHeapScratch | null = null;

  /**
   * Prepares room for copies of up to `maxLength` floats for one step (on the wasm heap when
   * `onHeap`). Allocates, so call it before taking any view; call `end` when the step is done.
   */
  begin(maxLength: number, onHeap: boolean): void {
    this.heap = onHeap ? wasmHeapScratch(maxLength) : null;
  }

  /** `length` floats of scratch (take it after every allocation of the step). */
  array(length: number): Float32Array {
    if (this.heap !== null) return this.heap.view(length);
    if (this.host.length < length) this.host = new Float32Array(length);
    return this.host.subarray(0, length);
  }

  /** Gives heap scratch back to the backend's allocator. */
  end(): void {
    this.heap?.free();
    this.heap = null;
  }
}
