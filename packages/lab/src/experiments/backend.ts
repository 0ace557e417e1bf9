import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// The wasm kernels training needs and the backend lacks (convolution filter gradients, gather's
// gradient): the ResNet, the U-Net and the embeddings train on wasm. Its faster replacements of
// kernels the backend has (convolution gradients, matrix products, activations, broadcasting
// arithmetic, copies; see replaceableKernelNames) are what `wasm` trains with; `wasm-stock` keeps
// the backend's own.
import { replaceSlowWasmKernels, restoreWasmKernels } from 'tfjs-wasm-training-kernels';
import { registerTfjsGradients } from './tfjs-gradients.js';

// Every op's gradient (tfjs-core's Node entry registers none), so that tf.variableGrads works on
// the wasm and cpu backends.
await registerTfjsGradients();

/**
 * The tfjs backends the lab trains on: `wasm` (the default: tfjs-wasm with the faster training
 * kernels of tfjs-wasm-training-kernels), `wasm-stock` (tfjs-wasm with its own kernels, as the
 * lab trained before the faster ones were checked against hostile input) and `cpu`.
 */
export const BACKENDS = ['wasm', 'wasm-stock', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackend(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** The tfjs backend a lab backend runs on. */
function tfjsBackendOf(name: BackendName): 'wasm' | 'cpu' {
  return name === 'cpu' ? 'cpu' : 'wasm';
}

/** Selects a backend and its kernels, and waits until it is ready. */
export async function useBackend(name: BackendName): Promise<void> {
  const tfjsName = tfjsBackendOf(name);
  if (tf.getBackend() !== tfjsName) {
    const ok = await tf.setBackend(tfjsName);
    if (!ok) throw new Error(`the tfjs ${tfjsName} backend failed to initialise`);
    await tf.ready();
  }
  if (name === 'wasm') replaceSlowWasmKernels();
  else if (name === 'wasm-stock') restoreWasmKernels();
}
