import { InvalidOptionError, UnsupportedEnvironmentError } from '../maths/errors.js';
import { KERNELS_WASM_BASE64, KERNELS_WASM_SHARED_BASE64 } from './wasm-binary.js';
import { hasSharedWasmMemory } from './wasm-support.js';
import { type WasmMemory, type WasmModule, webAssembly } from './webassembly-api.js';

/** The functions the AssemblyScript module exports (src/kernels/assembly/kernels.ts). */
export interface KernelExports {
  madgrad(
    p: number,
    g: number,
    v: number,
    s: number,
    x0: number,
    start: number,
    end: number,
    lamb: number,
    momentum: number,
    eps: number,
    weightDecay: number,
    lrDecay: number,
    decouple: boolean | number,
  ): void;
  mirror(
    p: number,
    g: number,
    v: number,
    z: number,
    start: number,
    end: number,
    stepSize: number,
    rescale: number,
    momentum: number,
    eps: number,
    weightDecay: number,
    lrDecay: number,
    decouple: boolean | number,
  ): void;
  cbrtArray(src: number, dst: number, n: number): void;
  firstNonFinite(ptr: number, n: number, limit?: number): number;
}

const PAGE = 65536;
/** Allocations are aligned to cache lines, so that threads never share one. */
const ALIGN = 64;
/** wasm32 limit (4 GiB) in pages. */
const MAX_PAGES = 65536;
/** Floats per staging slot: 32 KiB, so five slots stay in the L2 cache. */
export const STAGE_FLOATS = 8192;
/** Staging slots: p, g, v, s or z, x0. */
const STAGE_SLOTS = 5;
/** Bytes below the first allocation; pointer 0 means "no buffer" to the kernels. */
const RESERVED = ALIGN;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const modules: { shared?: WasmModule; unshared?: WasmModule } = {};

/** The compiled kernel module (compiled once per realm): over shared memory or ordinary memory. */
export function kernelModule(shared: boolean): WasmModule {
  const wa = webAssembly();
  if (wa === undefined) throw new UnsupportedEnvironmentError('WebAssembly is not available here');
  const key = shared ? 'shared' : 'unshared';
  modules[key] ??= new wa.Module(
    decodeBase64(shared ? KERNELS_WASM_SHARED_BASE64 : KERNELS_WASM_BASE64),
  );
  return modules[key];
}

/** Throws an InvalidOptionError unless `length` is a non-negative safe integer (an array's length). */
export function checkArrayLength(length: unknown): asserts length is number {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
    const shown = typeof length === 'number' ? String(length) : typeof length;
    throw new InvalidOptionError(`length must be a non-negative integer, got ${shown}`);
  }
}

interface Block {
  offset: number;
  size: number;
}

/**
 * One WebAssembly memory with the kernels instantiated over it, a staging area, and (when the
 * memory is shared) an allocator for Float32Arrays that live in it.
 *
 * With shared memory, views never detach when the memory grows, so the optimizer can keep its
 * state buffers (and users their parameters and gradients) there and the kernels work in place.
 * Without it (browsers that are not cross-origin isolated), growing would detach every view, so
 * the memory holds only the fixed staging area and every array is copied through it in chunks.
 * Blocks are freed when their Float32Array is garbage collected (FinalizationRegistry).
 */
export class KernelMemory {
  readonly shared: boolean;
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: KernelExports;
  /** Byte offset of the staging slots (STAGE_SLOTS × STAGE_FLOATS floats). */
  readonly stage: number;
  /** Every ArrayBuffer object this memory has shown (a new one after each grow). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Free blocks, sorted by offset, coalesced. */
  private readonly free: Block[] = [];
  private top: number;
  private readonly registry = new FinalizationRegistry<Block>((block) => this.release(block));
  private stageViews: Float32Array[] = [];

  constructor(shared = hasSharedWasmMemory()) {
    this.shared = shared;
    const stageBytes = STAGE_SLOTS * STAGE_FLOATS * 4;
    const pages = Math.ceil((RESERVED + stageBytes) / PAGE);
    const wa = webAssembly();
    if (wa === undefined)
      throw new UnsupportedEnvironmentError('WebAssembly is not available here');
    this.module = kernelModule(shared);
    this.memory = shared
      ? new wa.Memory({ initial: pages, maximum: MAX_PAGES, shared: true })
      : new wa.Memory({ initial: pages, maximum: pages });
    const instance = new wa.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.stage = RESERVED;
    this.top = RESERVED + stageBytes;
  }

  /** The current buffer of the memory (a fresh object after each grow). */
  get buffer(): ArrayBufferLike {
    const b = this.memory.buffer;
    this.buffers.add(b);
    return b;
  }

  /** Byte offset of `a` in this memory, or -1 when `a` lives elsewhere. */
  pointerOf(a: Float32Array): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** A view of staging slot `slot` (STAGE_FLOATS floats). */
  stageView(slot: number): Float32Array {
    let view = this.stageViews[slot];
    if (view === undefined || view.buffer !== this.memory.buffer) {
      this.stageViews = Array.from(
        { length: STAGE_SLOTS },
        (_, i) => new Float32Array(this.buffer, this.stage + i * STAGE_FLOATS * 4, STAGE_FLOATS),
      );
      view = this.stageViews[slot]!;
    }
    return view;
  }

  /** Byte offset of staging slot `slot`. */
  stagePointer(slot: number): number {
    return this.stage + slot * STAGE_FLOATS * 4;
  }

  /**
   * A zeroed Float32Array of `length` values in this memory, or null when the memory is not
   * shared or cannot grow that far (wasm32 memories stop at 4 GiB). A length that is not a
   * non-negative safe integer throws a RangeError before the allocator's records change.
   */
  allocate(length: number): Float32Array | null {
    checkArrayLength(length);
    if (!this.shared || length === 0) return null;
    const size = Math.ceil((length * 4) / ALIGN) * ALIGN;
    let block: Block | null = null;
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i]!;
      if (f.size < size) continue;
      block = { offset: f.offset, size };
      if (f.size === size) this.free.splice(i, 1);
      else {
        f.offset += size;
        f.size -= size;
      }
      break;
    }
    if (block === null) {
      const end = this.top + size;
      const have = this.memory.buffer.byteLength;
      if (end > have) {
        const pages = Math.ceil((end - have) / PAGE);
        const current = have / PAGE;
        // Past the wasm32 limit no grow can help: the documented answer is null, not a throw.
        if (current + pages > MAX_PAGES) return null;
        try {
          // Grow by at least a quarter to keep the number of grows logarithmic.
          this.memory.grow(Math.min(MAX_PAGES - current, Math.max(pages, current >> 2)));
        } catch {
          try {
            this.memory.grow(pages);
          } catch {
            return null;
          }
        }
        // A memory may stop short of what it was asked for (an engine's own, lower limit).
        if (this.memory.buffer.byteLength < end) return null;
      }
      block = { offset: this.top, size };
      this.top = end;
    }
    const view = new Float32Array(this.buffer, block.offset, length);
    view.fill(0); // a reused block holds old values
    this.registry.register(view, block);
    return view;
  }

  /** Bytes currently handed out (for tests and diagnostics). */
  get allocatedBytes(): number {
    return this.top - RESERVED - STAGE_SLOTS * STAGE_FLOATS * 4 - this.freeBytes;
  }

  private get freeBytes(): number {
    return this.free.reduce((sum, f) => sum + f.size, 0);
  }

  private release(block: Block): void {
    let i = 0;
    while (i < this.free.length && this.free[i]!.offset < block.offset) i++;
    this.free.splice(i, 0, { ...block });
    // Coalesce with the neighbours, then give the last block back to the top.
    const merged: Block[] = [];
    for (const f of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.offset + last.size === f.offset) last.size += f.size;
      else merged.push({ ...f });
    }
    const last = merged[merged.length - 1];
    if (last && last.offset + last.size === this.top) {
      this.top = last.offset;
      merged.pop();
    }
    this.free.length = 0;
    this.free.push(...merged);
  }
}

let defaultMemory: KernelMemory | undefined;

/** The process-wide kernel memory (one per realm: every optimizer shares its allocator). */
export function kernelMemory(): KernelMemory {
  defaultMemory ??= new KernelMemory();
  return defaultMemory;
}
