import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ConformanceEngine } from './engine.js';
import { openTfjsSession, restoreTfjsSession, type TfjsStepPath } from './tfjs-session.js';

/** Engines running the TensorFlow.js optimizers in Node on golden cases (see tfjs-session.ts). */
export function tfjsEngine(
  name: string,
  backend: 'cpu' | 'wasm',
  path: TfjsStepPath,
  description: string,
): ConformanceEngine {
  const ready = async () => {
    if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  };
  return {
    name,
    description,
    open: async (c, params) => {
      await ready();
      return openTfjsSession(c, params, path);
    },
    restore: async (c, params, checkpoint) => {
      await ready();
      return restoreTfjsSession(c, params, checkpoint, path);
    },
  };
}
