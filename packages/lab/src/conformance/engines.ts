import { createWasmKernels, jsKernels } from 'madgrad';
import { requireOptional } from '../experiments/optional-packages.js';
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
  'tfjs-cpu': async () =>
    (await import('./tfjs-engine.js')).tfjsEngine(
      'tfjs-cpu',
      'cpu',
      'auto',
      'the TensorFlow.js optimizers on the cpu backend (core kernels over the backend data store)',
    ),
  'tfjs-wasm': async () =>
    (await import('./tfjs-engine.js')).tfjsEngine(
      'tfjs-wasm',
      'wasm',
      'auto',
      'the TensorFlow.js optimizers on the wasm backend (core kernels over the WebAssembly heap)',
    ),
  'tfjs-ops': async () =>
    (await import('./tfjs-engine.js')).tfjsEngine(
      'tfjs-ops',
      'cpu',
      'ops',
      'the TensorFlow.js optimizers with the step in tfjs ops (the webgl/webgpu path), on cpu',
    ),
  'tfjs-device': async () =>
    (await import('./tfjs-engine.js')).tfjsEngine(
      'tfjs-device',
      'cpu',
      'device',
      'the TensorFlow.js optimizers on the device path (no read-back; the webgl/webgpu path), on cpu',
    ),
  ...Object.fromEntries(
    (
      [
        ['webgl', 'the device path in tfjs ops'],
        ['webgpu', 'the device path in tfjs ops'],
        ['wasm', 'the core kernels over the WebAssembly heap'],
        ['cpu', 'the core kernels over the backend data store'],
      ] as const
    ).map(([backend, path]) => [
      `browser-${backend}`,
      async () => {
        requireOptional('browser');
        return (await import('./browser-engine.js')).browserEngine(
          backend,
          `the TensorFlow.js optimizers in headless Chromium on the ${backend} backend (${path})`,
        );
      },
    ]),
  ),
};

export async function getEngine(name: string): Promise<ConformanceEngine> {
  const make = ENGINES[name];
  if (!make)
    throw new Error(`unknown engine "${name}" (known: ${Object.keys(ENGINES).join(', ')})`);
  return make();
}
