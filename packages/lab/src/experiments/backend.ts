import * as tf from '@tensorflow/tfjs-core';
// The union package's Node bundle registers every op's gradient (tfjs-core's own Node bundle does
// not), so that tf.variableGrads works on the wasm and cpu backends.
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// The wasm kernels training needs and the backend lacks (convolution filter gradients, gather's
// gradient): the ResNet, the U-Net and the embeddings train on wasm.
import 'tfjs-wasm-training-kernels';

export const BACKENDS = ['wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackend(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** Selects a tfjs backend (wasm, the default in Node, or cpu) and waits until it is ready. */
export async function useBackend(name: BackendName): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`the tfjs ${name} backend failed to initialise`);
  await tf.ready();
}
