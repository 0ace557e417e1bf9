// Runs in a browser page (bundled by page-bundle.ts): the GPU step's guarantees, for
// test/browser-device-step.test.ts. A step with NaN or ±Infinity anywhere in any gradient
// changes nothing; finite steps apply; nothing leaks.
import * as tf from '@tensorflow/tfjs-core';
import { madgrad, mirrorMadgrad } from 'madgrad/tfjs';
import { type BrowserBackend, startBackend } from './page-backends.js';

/**
 * Shapes whose 2-D views have odd rows or columns (packed WebGL textures pad those) and sizes
 * across several workgroups and fragments.
 */
const SHAPES: readonly (readonly number[])[] = [[5, 7], [3, 2, 5], [9], [1], [300, 301], [70001]];

const bits = (values: ArrayLike<number>) =>
  Array.from(new Uint32Array(Float32Array.from(values).buffer));

/** Every weight of the optimizer and every variable, as float32 bit patterns. */
async function snapshot(
  optimizer: tf.Optimizer,
  variables: readonly tf.Variable[],
): Promise<number[][]> {
  const weights = await optimizer.getWeights();
  const out: number[][] = [];
  for (const t of [...weights.map((w) => w.tensor), ...variables]) out.push(bits(await t.data()));
  return out;
}

/** Where a bad value goes in a gradient of `size`: first, last and middle. */
const positions = (size: number) => [...new Set([0, size - 1, size >> 1])];

/**
 * For each optimizer kind and each bad value, steps once with finite gradients, then once with
 * `bad` at one position of one gradient (every position and variable in turn): the refused step
 * must leave every weight bit for bit as it was and be counted as skipped. Returns what failed,
 * and the tensors alive before and after (equal when nothing leaks).
 */
async function refusals(): Promise<{
  failures: string[];
  tensorsBefore: number;
  tensorsAfter: number;
}> {
  const failures: string[] = [];
  const tensorsBefore = tf.memory().numTensors;
  for (const kind of ['madgrad', 'mirror'] as const) {
    const variables = SHAPES.map((shape, i) =>
      tf.tidy(() =>
        tf.variable(tf.randomNormal([...shape], 0, 1, 'float32', i), true, `${kind}-${i}`),
      ),
    );
    const grads = SHAPES.map((shape, i) => tf.randomNormal([...shape], 0, 1, 'float32', 50 + i));
    const named = (gs: readonly tf.Tensor[]) =>
      variables.map((v, i) => ({ name: v.name, tensor: gs[i]! }));
    const options = { nonFinite: 'skip' as const, clipNorm: 5 };
    const optimizer = kind === 'madgrad' ? madgrad(0.01, options) : mirrorMadgrad(0.01, options);
    optimizer.applyGradients(named(grads));
    let skipped = 0;
    const before = await snapshot(optimizer, variables);
    // NaN, +Infinity and -Infinity in turn, at each position of each gradient.
    const bads = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let v = 0; v < SHAPES.length; v++) {
      for (const at of positions(grads[v]!.size)) {
        const bad = bads[skipped % bads.length]!;
        const values = Float32Array.from(await grads[v]!.data());
        values[at] = bad;
        const poisoned = tf.tensor(values, grads[v]!.shape);
        optimizer.applyGradients(named(grads.map((g, i) => (i === v ? poisoned : g))));
        poisoned.dispose();
        const status = await (
          optimizer as { stepStatus(): Promise<{ skipped: number }> }
        ).stepStatus();
        skipped += 1;
        const after = await snapshot(optimizer, variables);
        const where = `${kind}: ${bad} at ${at} of variable ${v} [${SHAPES[v]}]`;
        if (status.skipped !== skipped) {
          failures.push(`${where}: skipped ${status.skipped}, expected ${skipped}`);
        }
        const changed = before.findIndex((b, i) => b.some((x, j) => x !== after[i]![j]));
        if (changed >= 0) failures.push(`${where}: weight ${changed} changed`);
      }
    }
    // A finite step after the refused ones applies.
    optimizer.applyGradients(named(grads));
    const after = await snapshot(optimizer, variables);
    if (!before.some((b, i) => b.some((x, j) => x !== after[i]![j]))) {
      failures.push(`${kind}: a finite step after the refused ones changed nothing`);
    }
    optimizer.dispose();
    tf.dispose([...variables, ...grads]);
  }
  return { failures, tensorsBefore, tensorsAfter: tf.memory().numTensors };
}

/**
 * One MADGRAD step with `clipNorm` set (the clip scale computed on the device) against one
 * step without clipping on gradients scaled on the host by clip_grad_norm_'s formula,
 * maxNorm / (norm + 1e-6) in double precision. Returns the largest difference relative to
 * the step's size, for clipping active (norm above clipNorm) and not.
 */
// Seeds start at 1: tfjs takes seed 0 as no seed.
async function clipAgainstHost(): Promise<{ clipped: number; unclipped: number }> {
  const grads = SHAPES.map((shape, i) => tf.randomNormal([...shape], 0, 1, 'float32', 80 + i));
  let squares = 0;
  for (const g of grads) for (const x of await g.data()) squares += x * x;
  const norm = Math.sqrt(squares);
  const stepAfter = async (clipNorm: number | null, scale: number) => {
    const variables = SHAPES.map((shape, i) =>
      tf.tidy(() => tf.variable(tf.randomNormal([...shape], 0, 1, 'float32', 1 + i), true)),
    );
    const scaled = grads.map((g) => tf.mul(g, scale));
    const optimizer = madgrad(0.1, clipNorm === null ? {} : { clipNorm });
    optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: scaled[i]! })));
    const values: number[] = [];
    for (const v of variables) values.push(...(await v.data()));
    optimizer.dispose();
    tf.dispose([...variables, ...scaled]);
    return values;
  };
  const initial = SHAPES.map((shape, i) => tf.randomNormal([...shape], 0, 1, 'float32', 1 + i));
  const start: number[] = [];
  for (const t of initial) start.push(...(await t.data()));
  tf.dispose(initial);
  const worst = (a: number[], b: number[]) => {
    let step = 0;
    let diff = 0;
    for (let i = 0; i < a.length; i++) {
      step = Math.max(step, Math.abs(b[i]! - start[i]!));
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    }
    return diff / step;
  };
  const result = { clipped: 0, unclipped: 0 };
  for (const [key, clipNorm] of [
    ['clipped', norm / 4],
    ['unclipped', norm * 4],
  ] as const) {
    const device = await stepAfter(clipNorm, 1);
    const host = await stepAfter(null, Math.min(1, clipNorm / (norm + 1e-6)));
    result[key] = worst(device, host);
  }
  tf.dispose(grads);
  return result;
}

/**
 * Two MADGRAD steps on WebGL with 32-bit float render targets reported missing (set before the
 * first step): the optimizer's warning should be printed once.
 */
async function halfFloatSteps(): Promise<void> {
  tf.env().set('WEBGL_RENDER_FLOAT32_ENABLED', false);
  const w = tf.variable(tf.tensor1d([1, 2, 3]));
  const optimizer = madgrad(0.1);
  for (let i = 0; i < 2; i++) optimizer.applyGradients([{ name: w.name, tensor: tf.ones([3]) }]);
  await optimizer.getWeights();
  optimizer.dispose();
  w.dispose();
}

const api = {
  start: (backend: BrowserBackend) => startBackend(backend),
  refusals,
  clipAgainstHost,
  halfFloatSteps,
  /** Sets a tfjs flag (before `start` it also governs how the backend starts). */
  setFlag: (name: string, value: boolean) => tf.env().set(name, value),
};
export type DeviceStepPageApi = typeof api;
(globalThis as { madgradDeviceStep?: DeviceStepPageApi }).madgradDeviceStep = api;
