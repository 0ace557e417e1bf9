import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Registers tfjs's gradients (tfjs-core alone does not).
import '@tensorflow/tfjs-layers';

/** A seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi]. */
export function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** n values uniform in [-1, 1). */
export function values(random: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = random() * 2 - 1;
  return a;
}

/** Initializes both backends, quietly (tfjs prints advice about tfjs-node on stdout). */
export async function readyBackends(): Promise<void> {
  const log = console.log;
  console.log = () => {};
  try {
    for (const name of ['cpu', 'wasm']) {
      await tf.setBackend(name);
      await tf.ready();
    }
  } finally {
    console.log = log;
  }
}

/** Runs the kernel `name` on `backend` with inputs made there from plain arrays. */
export async function runOn(
  backend: 'cpu' | 'wasm',
  name: string,
  inputs: Record<string, { values: Float32Array | Int32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ values: Float32Array | Int32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) tensors[k] = tf.tensor(v.values, v.shape);
    return readOutput(tf.engine().runKernel(name, kernelInputs(tensors), attrs as tf.NamedAttrMap));
  });
}

/** Inputs as a kernel takes them: a list where they are numbered (Concat's), else by name. */
export function kernelInputs(tensors: Record<string, tf.Tensor>): tf.NamedTensorMap {
  const listed = Object.keys(tensors).every((k, i) => k === String(i));
  return (listed ? Object.values(tensors) : tensors) as unknown as tf.NamedTensorMap;
}

/**
 * A kernel's output read back: one tensor's values and shape, or, for a kernel of several outputs
 * (SplitV, Unpack), their values end to end and their shapes each followed by -1.
 */
export function readOutput(out: tf.Tensor | tf.Tensor[]): {
  values: Float32Array | Int32Array;
  shape: number[];
} {
  if (!Array.isArray(out)) {
    return { values: out.dataSync() as Float32Array | Int32Array, shape: [...out.shape] };
  }
  const parts = out.map((t) => t.dataSync() as Float32Array | Int32Array);
  const values =
    out[0]?.dtype === 'int32' ? new Int32Array(total(parts)) : new Float32Array(total(parts));
  let at = 0;
  for (const part of parts) {
    values.set(part, at);
    at += part.length;
  }
  return { values, shape: out.flatMap((t) => [...t.shape, -1]) };
}

const total = (parts: ArrayLike<number>[]) => parts.reduce((a, p) => a + p.length, 0);

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? err : err / scale;
}
