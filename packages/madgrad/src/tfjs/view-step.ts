import { createInPlaceKernels, type ScanningKernels } from '../kernels/in-place-kernels.js';
import { isWasmKernels } from '../kernels/wasm-kernels.js';
import type { StepKernels } from '../maths/step-kernels.js';
import { firstNonFinite } from '../optimizers/gradients.js';
import {
  ensureOnActiveBackend,
  ensureOwned,
  type FastBackendName,
  float32View,
  valuesChanged,
  type WasmMemory,
  wasmBackendMemory,
} from './backend-memory.js';
import { GradientScratch } from './scratch-buffers.js';
import type { Slot } from './state-slots.js';
import type { GradientScan, StepItem } from './step-gradients.js';

/** One parameter's step on Float32Array views: `p` and its `buffers` updated in place with `g`. */
export type ViewStepKernel = (
  kernels: StepKernels,
  p: Float32Array,
  buffers: Record<string, Float32Array>,
  g: Float32Array,
) => void;

/**
 * The step on the cpu and wasm backends: the core's kernels run over the tensors' own storage
 * (see `backend-memory.ts`) instead of a chain of tfjs ops, so a step allocates no tensor.
 */
export class ViewStep {
  private readonly scratch = new GradientScratch();
  /** The WebAssembly kernels instantiated over the tfjs wasm heap (see `kernelsFor`). */
  private inPlace: { memory: WasmMemory; fallback: StepKernels; kernels: ScanningKernels } | null =
    null;

  constructor(private readonly chosenKernels: () => StepKernels) {}

  /**
   * The kernels for a step on `fast`: on the wasm backend, when the chosen kernels are the
   * WebAssembly ones, the same kernels instantiated over the tfjs heap, so that a step whose
   * tensors all live there runs in place instead of copying them into the kernels' own memory
   * and back (they fall back to the chosen kernels for anything else).
   */
  kernelsFor(fast: FastBackendName): StepKernels {
    const chosen = this.chosenKernels();
    if (fast !== 'wasm' || !isWasmKernels(chosen) || !hasScan(chosen)) return chosen;
    const memory = wasmBackendMemory();
    if (memory === null) return chosen;
    if (this.inPlace?.memory !== memory || this.inPlace.fallback !== chosen) {
      const kernels = createInPlaceKernels(memory, chosen);
      this.inPlace = kernels ? { memory, fallback: chosen, kernels } : null;
    }
    return this.inPlace?.kernels ?? chosen;
  }

  /**
   * NaN/Infinity check (and, when `clipping`, the sum of squares), reading the gradients' storage
   * directly. Moves gradients made before a `setBackend` to the active backend first.
   */
  scan(items: readonly StepItem[], fast: FastBackendName, clipping: boolean): GradientScan {
    for (const item of items) ensureOnActiveBackend(item.grad);
    const kernels = this.kernelsFor(fast);
    let sumSquares = 0;
    for (const item of items) {
      const g = float32View(item.grad);
      if (!clipping) {
        const bad = kernels.firstNonFinite ? kernels.firstNonFinite(g) : firstNonFinite(g);
        if (bad >= 0) return { bad: item.name, sumSquares: Number.NaN };
      } else {
        // One pass: squares of float32 values cannot overflow a float64 sum, so the sum is
        // finite exactly when every value is.
        let sum = 0;
        for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
        if (!Number.isFinite(sum)) return { bad: item.name, sumSquares: Number.NaN };
        sumSquares += sum;
      }
    }
    return { bad: null, sumSquares };
  }

  /** Runs `step` over every item's storage, the gradient multiplied by `scale` (clipping). */
  apply(
    items: readonly StepItem[],
    slotOf: (name: string) => Slot,
    step: ViewStepKernel,
    scale: number,
    fast: FastBackendName,
  ): void {
    const kernels = this.kernelsFor(fast);
    // Every allocation first (private copies of shared storage, scratch), then views: on wasm a
    // view dies when the heap grows.
    for (const item of items) {
      for (const t of [item.variable, ...Object.values(slotOf(item.name))]) {
        ensureOnActiveBackend(t);
        ensureOwned(t);
      }
    }
    const copied = items.filter((i) => scale !== 1 || i.grad.dataId === i.variable.dataId);
    const longest = Math.max(0, ...copied.map((i) => i.grad.size));
    // On wasm the scaled (or de-aliased) gradient goes to the tfjs heap too, to stay in place.
    this.scratch.begin(longest, copied.length > 0 && kernels === this.inPlace?.kernels);
    try {
      for (const item of items) {
        const p = float32View(item.variable);
        const buffers: Record<string, Float32Array> = {};
        for (const [name, v] of Object.entries(slotOf(item.name))) buffers[name] = float32View(v);
        let g = float32View(item.grad);
        // A copy when scaling, or when the gradient shares storage with what the step writes.
        const aliased = g.buffer === p.buffer && g.byteOffset === p.byteOffset;
        if (scale !== 1 || aliased) {
          const scaled = this.scratch.array(g.length);
          for (let i = 0; i < g.length; i++) scaled[i] = g[i]! * scale;
          g = scaled;
        }
        step(kernels, p, buffers, g);
        valuesChanged(item.variable);
      }
    } finally {
      this.scratch.end();
    }
  }
}

function hasScan(kernels: StepKernels): kernels is ScanningKernels {
  return typeof kernels.firstNonFinite === 'function';
}
