/**
 * Training throughput: samples per second of one training step (forward, backward, optimizer)
 * of a small CNN, on the wasm backend with tfjs-wasm-training-kernels and on the cpu backend.
 * Run by `npm run bench -- --training [--batch N]`; PyTorch's figure for the same model comes
 * from pytorch_cnn.py beside this file.
 *
 * Entries: cnn-train-wasm and cnn-train-cpu (MADGRAD), cnn-train-wasm-sgd (plain SGD: the
 * optimizer's share of a step is 1 - madgrad/sgd throughput), and each fixed way to compute the
 * filter gradient (tfjs-wasm-training-kernels' FilterGradientMethod; cnn-train-wasm uses 'auto'),
 * with MADGRAD: cnn-train-wasm-dyfilter, cnn-train-wasm-xfilter and cnn-train-wasm-im2col;
 * cnn-train-wasm-fast is cnn-train-wasm with the package's opt-in faster kernels
 * (replaceSlowWasmKernels), which the lab trains with (its default backend, `wasm`).
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { madgrad } from 'madgrad/tfjs';
import {
  type FilterGradientMethod,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setFilterGradientMethod,
} from 'tfjs-wasm-training-kernels';
import { benchFilterGradient, benchSlowKernels, FILTER_METHODS } from './wasm-kernel-choices.js';

export interface TrainingBenchResult {
  readonly name: string;
  readonly samplesPerSecond: number;
}

export interface TrainingBenchOptions {
  /** Samples per training step. @default 64 */
  readonly batch?: number;
  /** Time budget per entry after warm-up, in milliseconds; at least 3 steps are timed. @default 3000 */
  readonly budgetMs?: number;
  /** Called after each entry, for progress output. */
  readonly onResult?: (result: TrainingBenchResult) => void;
}

/** Input side and classes of the benchmark CNN (MNIST-sized digits). */
export const CNN_INPUT = [28, 28, 1] as const;
const CLASSES = 10;

/**
 * conv 3x3x16 + ReLU, 2x2 max-pool, conv 3x3x32 + ReLU, 2x2 max-pool, dense 10 + softmax
 * (the same model as pytorch_cnn.py), with seeded weights.
 */
export function benchmarkCnn(): tfl.Sequential {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const m = tfl.sequential();
  m.add(
    tfl.layers.conv2d({
      inputShape: [...CNN_INPUT],
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    }),
  );
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(
    tfl.layers.conv2d({
      filters: 32,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(2),
    }),
  );
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(3) }));
  return m;
}

interface Entry {
  name: string;
  backend: 'wasm' | 'cpu';
  optimizer: () => tf.Optimizer;
  filterGradient?: FilterGradientMethod;
  /** With replaceSlowWasmKernels() for the entry's duration. */
  faster?: boolean;
}

const ENTRIES: Entry[] = [
  { name: 'cnn-train-wasm', backend: 'wasm', optimizer: () => madgrad(1e-2) },
  { name: 'cnn-train-wasm-fast', backend: 'wasm', optimizer: () => madgrad(1e-2), faster: true },
  { name: 'cnn-train-wasm-sgd', backend: 'wasm', optimizer: () => tf.train.sgd(1e-2) },
  {
    name: 'cnn-train-wasm-dyfilter',
    backend: 'wasm',
    optimizer: () => madgrad(1e-2),
    filterGradient: 'dy-as-filter',
  },
  {
    name: 'cnn-train-wasm-xfilter',
    backend: 'wasm',
    optimizer: () => madgrad(1e-2),
    filterGradient: 'x-as-filter',
  },
  {
    name: 'cnn-train-wasm-im2col',
    backend: 'wasm',
    optimizer: () => madgrad(1e-2),
    filterGradient: 'im2col-matmul',
  },
  { name: 'cnn-train-cpu', backend: 'cpu', optimizer: () => madgrad(1e-2) },
];

/** Median seconds of one step of `entry`, after one untimed step that builds the state. */
async function timeSteps(entry: Entry, batch: number, budgetMs: number): Promise<number> {
  if (!(await tf.setBackend(entry.backend)))
    throw new Error(`backend ${entry.backend} did not start`);
  setFilterGradientMethod(entry.filterGradient ?? 'auto');
  if (entry.faster) replaceSlowWasmKernels();
  const model = benchmarkCnn();
  const optimizer = entry.optimizer();
  const x = tf.randomUniform([batch, ...CNN_INPUT], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', 8), CLASSES);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = () => {
    const loss = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
      true,
      vars,
    );
    // The backends run kernels synchronously; reading the loss ends the step as fit's does.
    loss!.dataSync();
    loss!.dispose();
  };
  step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || performance.now() - start < budgetMs) {
    const t = performance.now();
    step();
    times.push((performance.now() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  setFilterGradientMethod('auto');
  restoreWasmKernels();
  return times[times.length >> 1]!;
}

/** Samples per second of each entry, in one process, one after the other. */
export async function benchTraining(
  options: TrainingBenchOptions = {},
): Promise<TrainingBenchResult[]> {
  const batch = options.batch ?? 64;
  const budgetMs = options.budgetMs ?? 3000;
  tf.env().set('PROD', true);
  const results: TrainingBenchResult[] = [];
  for (const entry of ENTRIES) {
    const seconds = await timeSteps(entry, batch, budgetMs);
    const result = { name: entry.name, samplesPerSecond: Number((batch / seconds).toFixed(2)) };
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}

/** Where a wasm training step's time goes: see {@link profileWasmTrainingStep}. */
export interface TrainingProfile {
  /** Milliseconds per whole step (forward, backward, optimizer, reading the loss). */
  readonly stepMs: number;
  /** Milliseconds per step in the optimizer's applyGradients, MADGRAD's and plain SGD's. */
  readonly applyMs: { readonly madgrad: number; readonly sgd: number };
  /** Milliseconds per step in each wasm kernel, largest first (nested calls count twice). */
  readonly kernels: { name: string; ms: number }[];
}

/** Per-step milliseconds of a MADGRAD or SGD loop on wasm, the optimizer timed apart. */
async function timedLoop(
  make: () => tf.Optimizer,
  batch: number,
  steps: number,
  onTimed?: (timing: boolean) => void,
): Promise<{ stepMs: number; applyMs: number }> {
  await tf.setBackend('wasm');
  const model = benchmarkCnn();
  const optimizer = make();
  const x = tf.randomUniform([batch, ...CNN_INPUT], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.randomUniform([batch], 0, CLASSES, 'int32', 8), CLASSES);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let applyMs = 0;
  const step = () => {
    const { value, grads } = optimizer.computeGradients(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
      vars,
    );
    const t = performance.now();
    optimizer.applyGradients(grads);
    applyMs += performance.now() - t;
    value.dataSync();
    tf.dispose([value, grads]);
  };
  step();
  applyMs = 0;
  onTimed?.(true);
  const start = performance.now();
  try {
    for (let i = 0; i < steps; i++) step();
  } finally {
    onTimed?.(false);
  }
  const stepMs = (performance.now() - start) / steps;
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return { stepMs, applyMs: applyMs / steps };
}

/**
 * Profiles the benchmark CNN's training step on wasm: the MADGRAD and SGD optimizers' time in
 * the same loop (their share of a step), and the time in each wasm kernel; with `faster`, with
 * the package's opt-in faster kernels.
 */
export async function profileWasmTrainingStep(
  batch = 64,
  steps = 5,
  faster = false,
): Promise<TrainingProfile> {
  if (faster) replaceSlowWasmKernels();
  try {
    return await profileStep(batch, steps);
  } finally {
    restoreWasmKernels();
  }
}

async function profileStep(batch: number, steps: number): Promise<TrainingProfile> {
  const round = (ms: number) => Number(ms.toFixed(2));
  const sgd = await timedLoop(() => tf.train.sgd(1e-2), batch, steps);
  const spent = new Map<string, number>();
  const configs = tf.getKernelsForBackend('wasm') as {
    kernelName: string;
    kernelFunc: tf.KernelFunc;
  }[];
  const originals = configs.map((k) => k.kernelFunc);
  const wrap = (on: boolean) =>
    configs.forEach((k, i) => {
      const run = originals[i]!;
      k.kernelFunc = on
        ? (args) => {
            const t = performance.now();
            const out = run(args);
            spent.set(k.kernelName, (spent.get(k.kernelName) ?? 0) + performance.now() - t);
            return out;
          }
        : run;
    });
  const mad = await timedLoop(() => madgrad(1e-2), batch, steps, wrap);
  const kernels = [...spent]
    .map(([name, ms]) => ({ name, ms: round(ms / steps) }))
    .sort((a, b) => b.ms - a.ms);
  return {
    stepMs: round(mad.stepMs),
    applyMs: { madgrad: round(mad.applyMs), sgd: round(sgd.applyMs) },
    kernels,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // `node packages/lab/dist/src/bench/training-bench.js [--faster | --filter-gradient |
  // --slow-kernels]`: where a wasm training step's time goes (with the opt-in faster kernels),
  // or the filter-gradient methods' times per layer shape, or the slow kernels' replacements'.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  if (process.argv.includes('--filter-gradient')) {
    const rows = await benchFilterGradient();
    console.log = log;
    process.stdout.write(
      `[b,h,w,ci,co,k,stride]   ${FILTER_METHODS.map((m) => m.padStart(14)).join('')}  (ms)\n`,
    );
    for (const r of rows) {
      const cells = FILTER_METHODS.map((m) => r.ms[m].toFixed(2).padStart(14)).join('');
      process.stdout.write(`${`[${r.shape.join(',')}]`.padEnd(24)} ${cells}\n`);
    }
    process.exit(0);
  }
  if (process.argv.includes('--slow-kernels')) {
    const rows = await benchSlowKernels();
    console.log = log;
    process.stdout.write('kernel [b,h,w,ci,co,k,stride]: median ms\n');
    for (const r of rows) {
      const cells = Object.entries(r.ms).map(([k, ms]) => `${k} ${ms.toFixed(2)}`);
      process.stdout.write(`${r.case.padEnd(44)} ${cells.join(', ')}\n`);
    }
    process.exit(0);
  }
  const faster = process.argv.includes('--faster');
  const p = await profileWasmTrainingStep(64, 5, faster);
  console.log = log;
  const share = (ms: number) => `${((100 * ms) / p.stepMs).toFixed(1)}% of the step`;
  process.stdout.write(
    `wasm training step, batch 64, MADGRAD${faster ? ', faster kernels' : ''}: ${p.stepMs} ms\n` +
      `  MADGRAD applyGradients ${p.applyMs.madgrad} ms (${share(p.applyMs.madgrad)}); ` +
      `SGD's ${p.applyMs.sgd} ms\n`,
  );
  for (const k of p.kernels.slice(0, 12)) {
    process.stdout.write(`  ${k.name.padEnd(28)} ${k.ms.toFixed(2).padStart(8)} ms\n`);
  }
}
