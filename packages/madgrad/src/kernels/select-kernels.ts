import { InvalidOptionError } from '../maths/errors.js';
import { jsKernels, type StepKernels } from '../maths/step-kernels.js';
import { checkArrayLength } from './kernel-memory.js';
import { createWasmKernels, type WasmKernels } from './wasm-kernels.js';
import { hasWasmSimd } from './wasm-support.js';

/**
 * Which dense step implementation an optimizer uses: 'auto' (the default: WebAssembly SIMD
 * where available, else TypeScript), 'wasm' (WebAssembly, an error where it is missing), 'js'
 * (the plain TypeScript loops), or any `StepKernels` object.
 */
export type KernelChoice = 'auto' | 'wasm' | 'js' | StepKernels;

let shared: WasmKernels | undefined;

/**
 * The process-wide WebAssembly kernels that 'auto' and 'wasm' use: every hardware thread for
 * large tensors in Node, the calling thread elsewhere.
 */
export function defaultWasmKernels(): WasmKernels {
  shared ??= createWasmKernels();
  return shared;
}

/** Resolves a `KernelChoice` to a kernel set. */
export function resolveKernels(choice: KernelChoice | undefined): StepKernels {
  if (choice === undefined || choice === 'auto') {
    return hasWasmSimd() ? defaultWasmKernels() : jsKernels;
  }
  if (choice === 'js') return jsKernels;
  if (choice === 'wasm') return defaultWasmKernels();
  if (
    typeof choice === 'object' &&
    choice !== null &&
    typeof choice.madgradDense === 'function' &&
    typeof choice.mirrorDense === 'function'
  ) {
    return choice;
  }
  throw new InvalidOptionError(
    `kernels must be 'auto', 'wasm', 'js' or a StepKernels object, got ${String(choice)}`,
  );
}

/**
 * A Float32Array in the default kernels' memory (a plain one where WebAssembly SIMD or shared
 * memory is missing). Parameters and gradients allocated here are stepped in place, without
 * copies, and large ones are split across worker threads. The memory is reused once this very
 * array object is garbage collected, so keep it (not only subarrays of it) alive while in use.
 */
export function allocateKernelArray(length: number): Float32Array {
  checkArrayLength(length);
  return hasWasmSimd() ? defaultWasmKernels().allocate(length) : new Float32Array(length);
}
