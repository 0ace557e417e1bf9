import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core alone registers no gradients; the layers bundle registers them all.
import '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';

/** The three ways a step can run: kernels on cpu storage, kernels on the wasm heap, tfjs ops. */
export const PATHS = [
  { label: 'cpu kernels', backend: 'cpu', path: 'auto' },
  { label: 'wasm kernels', backend: 'wasm', path: 'auto' },
  { label: 'tfjs ops (cpu)', backend: 'cpu', path: 'ops' },
] as const;

export type PathCase = (typeof PATHS)[number];

export async function useBackend(name: string): Promise<void> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
}

export function values(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

let counter = 0;
/** A variable with a name no other test uses. */
export function variable(
  values: number[] | Float32Array,
  shape: number[],
  prefix = 'v',
): tf.Variable {
  counter += 1;
  const initial = tf.tensor(values, shape, 'float32');
  const v = tf.variable(initial, true, `${prefix}${counter}`);
  initial.dispose();
  return v;
}

/** |a - b| <= atol + rtol |b| everywhere. */
export function assertClose(
  a: Float32Array,
  b: Float32Array,
  where: string,
  rtol = 1e-5,
  atol = 1e-7,
): void {
  if (a.length !== b.length) throw new Error(`${where}: lengths ${a.length} and ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!(Math.abs(a[i]! - b[i]!) <= atol + rtol * Math.abs(b[i]!))) {
      throw new Error(`${where}[${i}]: got ${a[i]}, expected ${b[i]}`);
    }
  }
}

/** A model saved with its optimizer, as the artifacts a save handler receives. */
export async function saveToMemory(model: LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: true },
  );
  return saved!;
}
