/**
 * Step throughput: median time per step divided by the parameter count, after warm-up, in one
 * process. `npm run bench -- [--json] [--sizes N,...] [--training [--batch N] [--training-tasks
 * digits,...]]`. See docs/kernels.md, "Benchmark"; --training adds training-step throughput: the
 * benchmark CNN's (training-bench.ts) and, as `train-<task>`, each lab task's at the quick preset's
 * size on the lab's backend (task-step-cost.ts).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import {
  availableThreads,
  createWasmKernels,
  jsKernels,
  Madgrad,
  MirrorMadgrad,
  type StatefulOptimizer,
  type StepKernels,
  type WasmKernels,
} from 'madgrad';
import { loadWithOptional, MissingPackageError } from '../experiments/optional-packages.js';
import { type BuiltinTaskName, isBuiltinTask, TASKS } from '../experiments/tasks/index.js';
import { taskStepCost } from './task-step-cost.js';
import { benchTfjsOptimizers } from './tfjs-optimizers.js';
import type { TrainingBenchResult } from './training-bench.js';

interface Result {
  name: string;
  n: number;
  nsPerParam: number;
}

const DEFAULT_SIZES = [65536, 1048576, 4194304, 16777216];
/** Time budget per measurement, after warm-up. */
const BUDGET_MS = 1500;

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench -- [--json] [--sizes N,...] [--training [--batch N] [--training-tasks digits,...]]\n`,
  );
  process.exit(2);
}

/** Median milliseconds of `step`, after warm-up, with as many repetitions as the budget allows. */
async function measure(step: () => void | Promise<void>): Promise<number> {
  return (await measureTogether([step]))[0]!;
}

/**
 * Median milliseconds of each step, timed in interleaved rounds (each step once per round, the
 * order rotating) so that a change in the machine's load during the measurement reaches every
 * step alike and their ratios stay meaningful on a shared machine.
 */
async function measureTogether(steps: readonly (() => void | Promise<void>)[]): Promise<number[]> {
  let first = 0;
  for (const step of steps) {
    const t0 = performance.now();
    await step();
    first += performance.now() - t0;
    for (let i = 0; i < 3; i++) await step();
  }
  const budget = BUDGET_MS * steps.length;
  const rounds = Math.max(5, Math.min(51, Math.floor(budget / Math.max(first, 0.01))));
  const times: number[][] = steps.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < steps.length; j++) {
      const i = (r + j) % steps.length;
      const t = performance.now();
      await steps[i]!();
      times[i]!.push(performance.now() - t);
    }
  }
  return times.map((ts) => ts.sort((a, b) => a - b)[ts.length >> 1]!);
}

function fill(a: Float32Array, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296 - 0.5) * 0.1;
  }
  return a;
}

/** One optimizer step over one parameter of n values, arrays placed where the kernels want them. */
function optimizerStep(
  make: (
    p: { name: string; shape: number[]; value: Float32Array }[],
    k: StepKernels,
  ) => StatefulOptimizer,
  kernels: StepKernels,
  n: number,
): () => void {
  const alloc = (len: number) =>
    'allocate' in kernels ? (kernels as WasmKernels).allocate(len) : new Float32Array(len);
  const value = fill(alloc(n), 1);
  const g = fill(alloc(n), 2);
  const opt = make([{ name: 'w', shape: [n], value }], kernels);
  return () => opt.step({ w: g });
}

async function tfjsAdam(n: number): Promise<{ step: () => void; dispose: () => void }> {
  const v = tf.variable(tf.tensor1d(fill(new Float32Array(n), 1)));
  const g = tf.tensor1d(fill(new Float32Array(n), 2));
  const adam = tf.train.adam(1e-3);
  return {
    step: () => adam.applyGradients([{ name: v.name, tensor: g }]),
    dispose: () => {
      adam.dispose();
      v.dispose();
      g.dispose();
    },
  };
}

/** Timed steps per task entry (after one untimed step). */
const TASK_BENCH_STEPS = 10;

async function main(): Promise<void> {
  let values: {
    json?: boolean;
    sizes?: string;
    training?: boolean;
    batch?: string;
    'training-tasks'?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        sizes: { type: 'string' },
        training: { type: 'boolean' },
        batch: { type: 'string' },
        'training-tasks': { type: 'string' },
      },
      allowPositionals: false,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const sizes = values.sizes
    ? values.sizes.split(',').map((s) => {
        const n = Number(s);
        if (!Number.isInteger(n) || n < 1) usage(`--sizes: "${s}" is not a positive integer`);
        return n;
      })
    : DEFAULT_SIZES;
  const batch = Number(values.batch ?? 64);
  if (!Number.isInteger(batch) || batch < 1)
    usage(`--batch: "${values.batch}" is not a positive integer`);
  const trainingTasks = (values['training-tasks'] ?? TASKS.join(',')).split(',');
  for (const t of trainingTasks) {
    if (!isBuiltinTask(t)) usage(`--training-tasks: "${t}" is not one of ${TASKS.join(', ')}`);
  }
  // The benchmark CNN is a tfjs-layers model: loaded (or refused) before any measurement.
  const trainingBench = values.training
    ? await loadWithOptional('layers', () => import('./training-bench.js')).catch((e: unknown) => {
        if (!(e instanceof MissingPackageError)) throw e;
        process.stderr.write(`error: ${e.message}\n`);
        process.exit(1);
      })
    : undefined;

  // tfjs prints advice about tfjs-node on stdout; keep stdout for the results.
  const log = console.log;
  console.log = (...args: unknown[]) => console.error(...args);
  await tf.setBackend('wasm');
  await tf.ready();
  console.log = log;

  const cores = availableThreads();
  const one = createWasmKernels({ threads: 1 });
  const all = createWasmKernels({ threads: 'auto' });
  await all.ready();
  const madgrad = (
    p: { name: string; shape: number[]; value: Float32Array }[],
    kernels: StepKernels,
  ) => new Madgrad(p, { kernels });
  const mirror = (
    p: { name: string; shape: number[]; value: Float32Array }[],
    kernels: StepKernels,
  ) => new MirrorMadgrad(p, { kernels });

  const results: Result[] = [];
  const total = sizes.length * 9;
  const record = (name: string, n: number, ms: number) => {
    results.push({ name, n, nsPerParam: Number(((ms * 1e6) / n).toFixed(4)) });
    process.stderr.write(
      `\r[${results.length}/${total}] ${name} n=${n}: ${((ms * 1e6) / n).toFixed(3)} ns/param      `,
    );
  };
  for (const n of sizes) {
    const a = Array.from({ length: 8 }, (_, i) => fill(new Float32Array(n), i + 1));
    // Four copies between distinct arrays: 32 bytes moved per parameter, like a step.
    const floor = () => {
      a[1]!.set(a[0]!);
      a[3]!.set(a[2]!);
      a[5]!.set(a[4]!);
      a[7]!.set(a[6]!);
    };
    const kernelRows: [string, () => void][] = [
      ['floor', floor],
      ['madgrad-js', optimizerStep(madgrad, jsKernels, n)],
      ['madgrad-kernel-1t', optimizerStep(madgrad, one, n)],
      ['madgrad-kernel-mt', optimizerStep(madgrad, all, n)],
      ['mirror-kernel-mt', optimizerStep(mirror, all, n)],
    ];
    const kernelTimes = await measureTogether(kernelRows.map(([, step]) => step));
    kernelRows.forEach(([name], i) => record(name, n, kernelTimes[i]!));
    const adam = await tfjsAdam(n);
    record('tfjs-wasm-adam', n, await measure(adam.step));
    adam.dispose();
    // Our TensorFlow.js optimizers' applyGradients (bench/tfjs-optimizers.ts), and cpu Adam.
    for (const r of await benchTfjsOptimizers({
      n,
      only: ['tfjs-wasm-madgrad', 'tfjs-cpu-madgrad', 'tfjs-cpu-adam'],
    })) {
      record(r.name, n, (r.nsPerParam * n) / 1e6);
    }
    await tf.setBackend('wasm');
  }
  process.stderr.write('\n');
  all.close();
  const training: TrainingBenchResult[] = trainingBench
    ? await trainingBench.benchTraining({
        batch,
        onResult: (r) => process.stderr.write(`${r.name}: ${r.samplesPerSecond} samples/s\n`),
      })
    : [];
  // Each task's training step at the quick preset's size, as the lab trains it (`wasm`).
  if (values.training) {
    for (const task of trainingTasks as BuiltinTaskName[]) {
      const cost = await taskStepCost(task, 'quick', TASK_BENCH_STEPS, 'wasm');
      const r = {
        name: `train-${task}`,
        samplesPerSecond: Number(((cost.batchSize * 1000) / cost.stepWallMs).toFixed(2)),
      };
      training.push(r);
      process.stderr.write(`${r.name}: ${r.samplesPerSecond} samples/s\n`);
    }
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ cores, results: [...results, ...training] })}\n`);
    return;
  }
  const names = [...new Set(results.map((r) => r.name))];
  const header = ['ns per parameter', ...sizes.map((n) => `n=${n}`)];
  const rows = names.map((name) => [
    name,
    ...sizes.map((n) => results.find((r) => r.name === name && r.n === n)!.nsPerParam.toFixed(3)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`cores: ${cores}\n${line(header)}\n${rows.map(line).join('\n')}\n`);
  const ns = (name: string, n: number) =>
    results.find((r) => r.name === name && r.n === n)!.nsPerParam;
  process.stdout.write(
    `madgrad-kernel-1t / floor (interleaved): ${sizes.map((n) => `n=${n}: ${(ns('madgrad-kernel-1t', n) / ns('floor', n)).toFixed(2)}`).join(', ')}\n`,
  );
  if (training.length > 0) {
    const trainingRows = training.map((r) => [r.name, r.samplesPerSecond.toFixed(2)]);
    const widths = [`training, batch ${batch}`, 'samples/s'].map((h, i) =>
      Math.max(h.length, ...trainingRows.map((r) => r[i]!.length)),
    );
    const tline = (c: string[]) => `${c[0]!.padEnd(widths[0]!)}  ${c[1]!.padStart(widths[1]!)}`;
    process.stdout.write(
      `${[[`training, batch ${batch}`, 'samples/s'], ...trainingRows].map(tline).join('\n')}\n`,
    );
  }
}

await main();
