// Runs in a browser page (bundled by page-bundle.ts): starts one TensorFlow.js backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type BrowserBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BROWSER_BACKENDS: readonly BrowserBackend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  readonly backend: string;
  /** WebGL only: whether textures hold 32-bit floats (false: tfjs would fall back to 16-bit). */
  readonly float32?: boolean;
}

/**
 * Makes `name` the active backend or throws with the reason. On WebGL a device without 32-bit
 * float render targets is refused: tfjs would silently keep every tensor in 16-bit floats.
 */
export async function startBackend(name: BrowserBackend): Promise<BackendInfo> {
  if (name === 'wasm') setWasmPaths('./');
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (name === 'webgpu' && !nav?.gpu) {
    throw new Error('this page has no navigator.gpu (WebGPU is off, or the page is not secure)');
  }
  // Backend registration logs failures and resolves false; keep the reason for the error.
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`);
  await tf.ready();
  if (name !== 'webgl') return { backend: tf.getBackend() };
  const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE');
  if (!float32) {
    throw new Error(
      'this WebGL device cannot render to 32-bit float textures: tfjs would store every tensor ' +
        'as a 16-bit float, far outside the golden tolerance',
    );
  }
  return { backend: tf.getBackend(), float32 };
}
