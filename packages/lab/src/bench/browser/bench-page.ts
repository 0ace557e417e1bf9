// Runs in a browser page (bundled by page-bundle.ts): times applyGradients of one optimizer on
// the active backend, for browser-bench.ts.
import * as tf from '@tensorflow/tfjs-core';
import { madgrad, mirrorMadgrad } from 'madgrad/tfjs';
import { type BrowserBackend, startBackend } from '../../browser/page-backends.js';

/** A model-like set of 20 variables (an MLP's kernels and biases), 989,962 parameters. */
const MODEL_SHAPES: readonly (readonly number[])[] = [
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

/** The model's sizes: `full` as above, `small` every dimension / 8 (16,310 parameters: smoke runs). */
export type BenchSize = 'full' | 'small';
export function modelShapes(size: BenchSize): readonly (readonly number[])[] {
  return size === 'full' ? MODEL_SHAPES : MODEL_SHAPES.map((s) => s.map((d) => Math.ceil(d / 8)));
}

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
  /** Each round's figure, in the order run (round i of every optimizer ran back to back). */
  readonly rounds: readonly number[];
  readonly params: number;
  /** The step path our optimizers report (tfjs's Adam has none). */
  readonly stepPath?: string;
}

/** One optimizer over its own copy of the model's variables. */
function setUp(which: BenchOptimizer, shapes: readonly (readonly number[])[]) {
  const variables = shapes.map((shape, i) =>
    tf.tidy(() => tf.variable(tf.randomNormal([...shape], 0, 0.05, 'float32', i), true)),
  );
  const grads = shapes.map((shape, i) => tf.randomNormal([...shape], 0, 1e-2, 'float32', 100 + i));
  const named = variables.map((v, i) => ({ name: v.name, tensor: grads[i]! }));
  const optimizer = OPTIMIZERS[which]();
  return {
    variables,
    step: () => optimizer.applyGradients(named),
    /** An asynchronous read: queued steps finish in order before it resolves. */
    sync: async () => {
      const one = tf.slice(variables[0]!, [0, 0], [1, 1]);
      await one.data();
      one.dispose();
    },
    stepPath: (optimizer as { stepPath?: string }).stepPath,
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...variables, ...grads]);
    },
  };
}

/**
 * Times `rounds` rounds of `steps` applyGradients of each optimizer, after warm-up; the
 * optimizers take turns round by round, so that a machine busy with other work slows them
 * alike. Each round ends with an asynchronous read, so the time includes the GPU's work.
 * Results by optimizer; an optimizer that throws gets its error instead.
 */
async function run(
  which: readonly BenchOptimizer[],
  steps: number,
  rounds: number,
  size: BenchSize = 'full',
) {
  const shapes = modelShapes(size);
  interface Run {
    which: BenchOptimizer;
    setup: ReturnType<typeof setUp> | null;
    times: number[];
    error: string | null;
  }
  const runs = which.map((w): Run => {
    try {
      return { which: w, setup: setUp(w, shapes), times: [], error: null };
    } catch (e) {
      return { which: w, setup: null, times: [], error: (e as Error).message };
    }
  });
  const attempt = async (r: Run, f: () => Promise<void>) => {
    if (r.error !== null) return;
    try {
      await f();
    } catch (e) {
      r.error = (e as Error).message.split('\n')[0]!;
    }
  };
  try {
    for (const r of runs) {
      await attempt(r, async () => {
        for (let i = 0; i < 3; i++) r.setup!.step();
        await r.setup!.sync();
      });
    }
    for (let round = 0; round < rounds; round++) {
      for (const r of runs) {
        await attempt(r, async () => {
          const t0 = performance.now();
          for (let i = 0; i < steps; i++) r.setup!.step();
          await r.setup!.sync();
          r.times.push((performance.now() - t0) / steps);
        });
      }
    }
    const params = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    return runs.map((r) => {
      if (r.error !== null) return { which: r.which, error: r.error };
      const times = [...r.times].sort((a, b) => a - b);
      const result: PageBenchResult = {
        nsPerParam: (times[times.length >> 1]! * 1e6) / params,
        rounds: r.times.map((t) => (t * 1e6) / params),
        params,
      };
      const path = r.setup!.stepPath;
      return { which: r.which, ...(path === undefined ? result : { ...result, stepPath: path }) };
    });
  } finally {
    for (const r of runs) r.setup?.dispose();
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
