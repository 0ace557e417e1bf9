/**
 * Opt-in replacements for kernels the wasm backend has but runs slowly, which take most of a
 * training step: Conv2DBackpropInput (as one XNNPACK convolution), MaxPoolGrad (one SIMD pass over
 * the windows), Sum and Mean over leading axes (a bias gradient, batch statistics: one SIMD pass,
 * no transpose), Conv2DBackpropFilter with up to 16 input channels (a direct SIMD loop; the kernel
 * replaced there is this package's own), BatchMatMul with a transposed operand or a batch (a matrix product's
 * gradient, attention's products: one SIMD loop), Slice, SplitV and Unpack (each part copied
 * once from the heap, where the backend's copy the whole input out for every part), Tile (block
 * copies, where the backend's computes each element's source by division), Concat (short runs
 * copied by a loop), GatherV2 along the first axis (an embedding lookup: one copy a row), Tanh, Exp
 * and Sigmoid (SIMD approximations within a few units in the last place, where the backend's are
 * scalar), Add, Multiply and Sub where one operand repeats over the other (a bias, a scale:
 * one SIMD pass), and FusedBatchNorm with per-channel statistics (one SIMD pass). Importing the package replaces nothing; `replaceSlowWasmKernels()` does, and
 * `restoreWasmKernels()` puts the previous kernels back. Each replacement first checks the call's
 * attributes against its tensors (input-checks.ts), refusing a mismatch; where it then does not
 * apply (NCHW, a dtype it does not take, other axes) it calls the kernel it replaced.
 */
import {
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { fasterBatchMatMul } from './batch-mat-mul.js';
import { fasterBatchNorm } from './batch-norm.js';
import { fasterAdd, fasterMultiply, fasterSub } from './broadcast-binary.js';
import { fasterConcat } from './concat.js';
import { fasterConv2DBackpropFilter } from './conv2d-backprop-filter-direct.js';
import { fasterConv2DBackpropInput } from './conv2d-backprop-input.js';
import { InvalidKernelArgumentError, shownArgument } from './errors.js';
import { fasterGatherV2 } from './gather.js';
import { fasterMaxPoolGrad } from './max-pool-grad.js';
import { fasterSlice, fasterSplitV, fasterUnpack } from './slice.js';
import { fasterMean, fasterSum } from './sum-leading-axes.js';
import { fasterTile } from './tile.js';
import { fasterExp, fasterSigmoid, fasterTanh } from './unary-functions.js';
import { type KernelArgs, WASM } from './wasm-backend.js';

/** A replacement: its result, or undefined where the kernel it replaced (`own`) must run. */
type Faster = (args: KernelArgs, own: KernelFunc) => TensorInfo | TensorInfo[] | undefined;

const FASTER: ReadonlyMap<string, Faster> = new Map<string, Faster>([
  ['Conv2DBackpropInput', fasterConv2DBackpropInput],
  ['MaxPoolGrad', fasterMaxPoolGrad],
  ['Conv2DBackpropFilter', fasterConv2DBackpropFilter],
  ['Sum', fasterSum],
  ['Mean', fasterMean],
  ['BatchMatMul', fasterBatchMatMul],
  ['Slice', fasterSlice],
  ['SplitV', fasterSplitV],
  ['Unpack', fasterUnpack],
  ['Tile', fasterTile],
  ['Concat', fasterConcat],
  ['GatherV2', fasterGatherV2],
  ['Tanh', fasterTanh],
  ['Exp', fasterExp],
  ['Sigmoid', fasterSigmoid],
  ['Add', fasterAdd],
  ['Multiply', fasterMultiply],
  ['Sub', fasterSub],
  ['FusedBatchNorm', fasterBatchNorm],
]);

/** The names of the wasm kernels {@link replaceSlowWasmKernels} can replace. */
export const replaceableKernelNames: readonly string[] = [...FASTER.keys()];

/** The backend's own configs of the kernels replaced now, by name. */
const originals = new Map<string, KernelConfig>();

/**
 * Replaces, for the wasm backend, each kernel of `names` (default: all of
 * {@link replaceableKernelNames}) that the backend has by a faster one whose results equal the
 * cpu backend's kernel within float32 rounding. Idempotent: returns the names it replaced on this
 * call (empty when they are replaced already). Results change only in the last bits (sums in a
 * different order); undo with {@link restoreWasmKernels}.
 */
export function replaceSlowWasmKernels(
  names: string | readonly string[] = replaceableKernelNames,
): string[] {
  const list = typeof names === 'string' ? [names] : names;
  if (!Array.isArray(list)) {
    throw new InvalidKernelArgumentError(
      `replaceSlowWasmKernels takes a kernel name or an array of kernel names, got ${shownArgument(names)}`,
    );
  }
  // Every name is checked before any kernel is replaced.
  for (const name of list as unknown[]) {
    if (typeof name !== 'string' || !FASTER.has(name)) {
      throw new InvalidKernelArgumentError(
        `no faster wasm kernel named ${shownArgument(name)}; replaceable: ${replaceableKernelNames.join(', ')}`,
      );
    }
  }
  const replaced: string[] = [];
  for (const name of list as readonly string[]) {
    const faster = FASTER.get(name)!;
    if (originals.has(name)) continue;
    const own = getKernel(name, WASM);
    if (own === undefined) continue;
    const fallback = own.kernelFunc;
    const kernelFunc: KernelFunc = (args) =>
      faster(args as unknown as KernelArgs, fallback) ?? fallback(args);
    unregisterKernel(name, WASM);
    // The backend's setup (which binds its wasm function) still runs at backend initialization.
    registerKernel({ ...own, kernelFunc });
    originals.set(name, own);
    replaced.push(name);
  }
  return replaced;
}

/**
 * Puts the backend's own kernels back in place of those {@link replaceSlowWasmKernels} replaced;
 * returns their names (empty when none was replaced).
 */
export function restoreWasmKernels(): string[] {
  const restored: string[] = [];
  for (const [name, own] of originals) {
    unregisterKernel(name, WASM);
    registerKernel(own);
    restored.push(name);
  }
  originals.clear();
  return restored;
}

/** The names of the kernels replaced now. */
export function replacedWasmKernels(): string[] {
  return [...originals.keys()];
}
