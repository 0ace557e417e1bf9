/**
 * Time per parameter of one optimizer step through TensorFlow.js `applyGradients`, on one
 * variable of n values, for our MADGRAD (core kernels over the backend's storage) and tfjs's
 * built-in Adam (a chain of tfjs ops), on the cpu and wasm backends.
 *
 *   npx tsx bench/tfjs-optimizers.ts [n] [steps]      (defaults 4194304 and 5)
 *
 * `benchTfjsOptimizers` returns `{ name, n, nsPerParam }` entries for a benchmark runner.
 */
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { madgrad } from 'madgrad/tfjs';

export interface TfjsBenchResult {
  readonly name: string;
  readonly n: number;
  /** Median over the timed steps of (step time / n), in nanoseconds. */
  readonly nsPerParam: number;
}

export interface TfjsBenchOptions {
  /** Parameters in the one variable (default 4194304). */
  readonly n?: number;
  /** Timed steps per entry, after two untimed ones that create the state (default 5). */
  readonly steps?: number;
  /** Entries to run (default all): tfjs-{cpu,wasm}-{madgrad,adam}. */
  readonly only?: readonly string[];
}

const ENTRIES = [
  { name: 'tfjs-wasm-madgrad', backend: 'wasm', make: () => madgrad(1e-3) },
  { name: 'tfjs-wasm-adam', backend: 'wasm', make: () => tf.train.adam(1e-3) },
  { name: 'tfjs-cpu-madgrad', backend: 'cpu', make: () => madgrad(1e-3) },
  { name: 'tfjs-cpu-adam', backend: 'cpu', make: () => tf.train.adam(1e-3) },
] as const;

export async function benchTfjsOptimizers(
  options: TfjsBenchOptions = {},
): Promise<TfjsBenchResult[]> {
  const n = options.n ?? 4194304;
  const steps = options.steps ?? 5;
  tf.env().set('PROD', true);
  const results: TfjsBenchResult[] = [];
  for (const entry of ENTRIES) {
    if (options.only && !options.only.includes(entry.name)) continue;
    if (!(await tf.setBackend(entry.backend)))
      throw new Error(`backend ${entry.backend} did not start`);
    const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const grads = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 1e-2);
    const initial = tf.tensor1d(values);
    const w = tf.variable(initial, true, `bench_${entry.name}`);
    initial.dispose();
    const g = tf.tensor1d(grads);
    const optimizer = entry.make();
    const step = () => optimizer.applyGradients([{ name: w.name, tensor: g }]);
    step();
    step();
    const times: number[] = [];
    // The cpu and wasm backends run every kernel synchronously, so the step is over when
    // applyGradients returns. Reading the variable back (dataSync) is left out of the time, as
    // for tfjs-wasm-adam in bench.ts: on wasm it copies the whole variable out of the heap
    // (about 1.8 ns per parameter here), which would swamp the step itself.
    for (let i = 0; i < steps; i++) {
      const start = process.hrtime.bigint();
      step();
      times.push(Number(process.hrtime.bigint() - start));
    }
    w.dataSync();
    times.sort((a, b) => a - b);
    results.push({ name: entry.name, n, nsPerParam: times[Math.floor(times.length / 2)]! / n });
    optimizer.dispose();
    tf.dispose([w, g]);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 4194304);
  const steps = Number(process.argv[3] ?? 5);
  const results = await benchTfjsOptimizers({ n, steps });
  for (const r of results) {
    console.log(`${r.name.padEnd(20)} n=${r.n}  ${r.nsPerParam.toFixed(2)} ns/param`);
  }
  const by = Object.fromEntries(results.map((r) => [r.name, r.nsPerParam]));
  const ratio = (a: string, b: string) => (by[a]! / by[b]!).toFixed(3);
  console.log(
    `tfjs-wasm-madgrad / tfjs-wasm-adam = ${ratio('tfjs-wasm-madgrad', 'tfjs-wasm-adam')} (goal <= 0.5)`,
  );
  console.log(
    `tfjs-cpu-madgrad / tfjs-cpu-adam  = ${ratio('tfjs-cpu-madgrad', 'tfjs-cpu-adam')} (goal <= 0.1)`,
  );
}
