import { jsKernels } from '../core/step-kernels.js';
import { createWasmKernels } from '../kernels/wasm-kernels.js';
import { coreEngine } from './core-engine.js';
import type { ConformanceEngine } from './engine.js';

/** Every engine the conformance runner knows, by name. Later entry points add theirs here. */
export const ENGINES: Readonly<
  Record<string, () => Promise<ConformanceEngine> | ConformanceEngine>
> = {
  core: () =>
    coreEngine('core', 'the core optimizers with the plain TypeScript kernels', () => jsKernels),
  kernel: () =>
    coreEngine('kernel', 'the core optimizers with the WebAssembly SIMD kernels', () =>
      createWasmKernels({ threads: 1 }),
    ),
};

export async function getEngine(name: string): Promise<ConformanceEngine> {
  const make = ENGINES[name];
  if (!make)
    throw new Error(`unknown engine "${name}" (known: ${Object.keys(ENGINES).join(', ')})`);
  return make();
}
