// Runs in a browser page (bundled by page-bundle.ts): times applyGradients of one optimizer on
// the active backend, for browser-bench.ts.
import * as tf from '@tensorflow/tfjs-core';
import { madgrad, mirrorMadgrad } from 'madgrad/tfjs';
import { type BrowserBackend, startBackend } from '../../browser/page-backends.js';

/** A model-like set of 20 variables (an MLP's kernels and biases), 989,962 parameters. */
export const MODEL_SHAPES: readonly (readonly number[])[] = [
  [784, 512],
  [512],
  [512, 512],
  [512],
  [512, 256],
  [256],
  [256, 256],
  [256],
  [256, 256],
  [256],
  [256, 128],
  [128],
  [128, 128],
  [128],
  [128, 64],
  [64],
  [64, 64],
  [64],
  [64, 10],
  [10],
];

const OPTIMIZERS = {
  madgrad: () => madgrad(1e-3),
  'mirror-madgrad': () => mirrorMadgrad(1e-3),
  /** MADGRAD on the ops path: tfjs ops with a synchronous check (the path before the device path). */
  'madgrad-ops': () => madgrad(1e-3, { path: 'ops' }),
  adam: () => tf.train.adam(1e-3),
} as const;
export type BenchOptimizer = keyof typeof OPTIMIZERS;

export interface PageBenchResult {
  /** Median over rounds of (round time / steps / parameters), in nanoseconds. */
  readonly nsPerParam: number;
  readonly params: number;
  /** The step path our optimizers report (tfjs's Adam has none). */
  readonly stepPath?: string;
}

/**
 * Times `rounds` rounds of `steps` applyGradients each, after warm-up; each round ends with an
 * asynchronous read of one value, so the time includes the GPU's work (queued steps finish in
 * order), paid once per round.
 */
async function run(which: BenchOptimizer, steps: number, rounds: number) {
  const variables = MODEL_SHAPES.map((shape, i) =>
    tf.tidy(() => tf.variable(tf.randomNormal([...shape], 0, 0.05, 'float32', i), true, `v${i}`)),
  );
  const grads = MODEL_SHAPES.map((shape, i) =>
    tf.randomNormal([...shape], 0, 1e-2, 'float32', 100 + i),
  );
  const named = variables.map((v, i) => ({ name: v.name, tensor: grads[i]! }));
  const optimizer = OPTIMIZERS[which]();
  const sync = async () => {
    const one = tf.slice(variables[0]!, [0, 0], [1, 1]);
    await one.data();
    one.dispose();
  };
  const params = variables.reduce((a, v) => a + v.size, 0);
  try {
    for (let i = 0; i < 3; i++) optimizer.applyGradients(named);
    await sync();
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) optimizer.applyGradients(named);
      await sync();
      times.push((performance.now() - t0) / steps);
    }
    times.sort((a, b) => a - b);
    const ms = times[times.length >> 1]!;
    const path = (optimizer as { stepPath?: string }).stepPath;
    const result: PageBenchResult = { nsPerParam: (ms * 1e6) / params, params };
    return path === undefined ? result : { ...result, stepPath: path };
  } finally {
    optimizer.dispose();
    tf.dispose([...variables, ...grads]);
  }
}

const api = {
  start: (backend: BrowserBackend) => startBackend(backend),
  run,
  /** Tensors alive in the backend, to check that a run leaks none. */
  tensors: () => tf.memory().numTensors,
};
export type BenchPageApi = typeof api;
(globalThis as { madgradBench?: BenchPageApi }).madgradBench = api;
