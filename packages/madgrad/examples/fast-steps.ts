/**
 * Steps one 4M-parameter tensor with the plain TypeScript kernels and with the WebAssembly SIMD
 * kernels (parameter and gradient in kernel memory, all threads), and prints the time per step.
 *
 *   npx tsx packages/madgrad/examples/fast-steps.ts   (from the repository, after npm run build)
 */
import { allocateKernelArray, createWasmKernels, Madgrad, type StepKernels } from 'madgrad';

const n = 1 << 22;

async function timeSteps(label: string, kernels: StepKernels | 'js', inKernelMemory: boolean) {
  const alloc = (len: number) =>
    inKernelMemory ? allocateKernelArray(len) : new Float32Array(len);
  const w = { name: 'w', shape: [n], value: alloc(n) };
  const g = alloc(n);
  for (let i = 0; i < n; i++) g[i] = Math.sin(i) * 1e-2;
  const optimizer = new Madgrad([w], { lr: 1e-3, kernels });
  optimizer.step({ w: g }); // creates the state
  const steps = 10;
  const start = performance.now();
  for (let k = 0; k < steps; k++) optimizer.step({ w: g });
  const ms = (performance.now() - start) / steps;
  console.log(
    `${label.padEnd(34)} ${ms.toFixed(2).padStart(7)} ms per step (${optimizer.kernelName})`,
  );
  return w.value;
}

const wasm = createWasmKernels(); // every hardware thread for large tensors (Node)
await wasm.ready(); // let the worker threads start before timing
const a = await timeSteps('TypeScript kernels', 'js', false);
const b = await timeSteps('WebAssembly, ordinary arrays', wasm, false);
const c = await timeSteps('WebAssembly, arrays in its memory', wasm, true);
let worst = 0;
for (let i = 0; i < n; i++)
  worst = Math.max(worst, Math.abs(a[i]! - c[i]!), Math.abs(b[i]! - c[i]!));
console.log(`largest difference between the results: ${worst.toExponential(2)}`);
wasm.close();
