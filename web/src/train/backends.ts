import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { getBackend, setBackend } from '@tensorflow/tfjs-core';

/** The backends the training page offers, fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

// The wasm backend's binaries are bundled with the page (Vite gives their URLs).
setWasmPaths({
  'tfjs-backend-wasm.wasm': plainWasm,
  'tfjs-backend-wasm-simd.wasm': simdWasm,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm,
});

/** Switches to `name`; resolves to whether it started (tfjs logs why when it does not). */
export async function useBackend(name: BackendName): Promise<boolean> {
  if (name === 'webgpu' && !(navigator as { gpu?: unknown }).gpu) return false;
  try {
    return (await setBackend(name)) && getBackend() === name;
  } catch {
    return false;
  }
}

/** The backends that start in this browser, in BACKENDS order (each is tried once). */
export async function availableBackends(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKENDS) if (await useBackend(name)) out.push(name);
  return out;
}
