import type {
  MadgradBuffers,
  MadgradScalars,
  MirrorBuffers,
  MirrorScalars,
  StepKernels,
} from '../maths/step-kernels.js';
import { type KernelExports, kernelModule } from './kernel-memory.js';
import { hasWasmSimd } from './wasm-support.js';
import { type WasmMemory, webAssembly } from './webassembly-api.js';

/** Kernels with their own NaN/Infinity scan (the WebAssembly kernels have one). */
export type ScanningKernels = StepKernels & Required<Pick<StepKernels, 'firstNonFinite'>>;

/**
 * The kernels instantiated over a WebAssembly memory that someone else owns (TensorFlow.js's
 * wasm heap): steps whose arrays are all views of that memory run in place, by byte offset,
 * on the calling thread; any other step goes to `fallback` (which copies). The module imports
 * its memory and, without a runtime, reads and writes nothing but the arrays it is given (no
 * data segment, no stack in memory: its only scratch is two v128 globals), so it cannot disturb
 * the owner's heap. Results are bitwise those of `createWasmKernels` (the same code).
 */
export function createInPlaceKernels(
  memory: WasmMemory,
  fallback: ScanningKernels,
): ScanningKernels | null {
  const k = instanceOver(memory);
  if (k === null) return null;
  /** True when every array is a live view of the memory (a grow detaches older views). */
  const inside = (arrays: readonly (Float32Array | null)[]) => {
    const buffer = memory.buffer;
    // Offset 0 means "no buffer" to the kernels; no heap allocation starts there.
    return arrays.every((a) => a === null || (a.buffer === buffer && a.byteOffset > 0));
  };
  return {
    name: fallback.name,
    madgradDense(b: MadgradBuffers, g: Float32Array, c: MadgradScalars) {
      if (!inside([b.p, g, b.v, b.s, b.x0])) return fallback.madgradDense(b, g, c);
      if (b.p.length === 0) return;
      k.madgrad(
        b.p.byteOffset,
        g.byteOffset,
        b.v.byteOffset,
        b.s.byteOffset,
        b.x0 ? b.x0.byteOffset : 0,
        0,
        b.p.length,
        c.lamb,
        c.momentum,
        c.eps,
        c.weightDecay,
        c.lr * c.weightDecay,
        c.decoupleDecay,
      );
    },
    mirrorDense(b: MirrorBuffers, g: Float32Array, c: MirrorScalars) {
      if (!inside([b.p, g, b.v, b.z])) return fallback.mirrorDense(b, g, c);
      if (b.p.length === 0) return;
      k.mirror(
        b.p.byteOffset,
        g.byteOffset,
        b.v.byteOffset,
        b.z.byteOffset,
        0,
        b.p.length,
        c.stepSize,
        c.ratio,
        c.momentum,
        c.eps,
        c.weightDecay,
        c.lr * c.weightDecay,
        c.decoupleDecay,
      );
    },
    firstNonFinite(values: Float32Array) {
      if (inside([values])) return k.firstNonFinite(values.byteOffset, values.length);
      return fallback.firstNonFinite(values);
    },
  };
}

const instances = new WeakMap<WasmMemory, KernelExports | null>();

/** The kernels instantiated over `memory` (once per memory), or null where that fails. */
function instanceOver(memory: WasmMemory): KernelExports | null {
  if (!instances.has(memory)) {
    let exports: KernelExports | null = null;
    const wa = webAssembly();
    if (wa !== undefined && hasWasmSimd()) {
      const shared =
        typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      try {
        const instance = new wa.Instance(kernelModule(shared), { env: { memory } });
        exports = instance.exports as unknown as KernelExports;
      } catch {
        // A memory the module cannot import (e.g. no maximum, or larger than the module allows).
      }
    }
    instances.set(memory, exports);
  }
  return instances.get(memory) ?? null;
}
