// Times the gradient scan (NaN, ±Infinity and entries beyond the overflow limit, one pass) over
// 1M floats: the WebAssembly SIMD scan on an array in kernel memory and the TypeScript loop.
// Prints the best of 15 batches of 20 scans. Usage: node scripts/bench-gradient-scan.mjs [dir],
// where dir is a built checkout of this package (default: this one), so that two builds compare.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = resolve(process.argv[2] ?? new URL('..', import.meta.url).pathname);
const load = (file) => import(pathToFileURL(resolve(dir, 'dist/src', file)).href);
const { KernelMemory } = await load('kernels/kernel-memory.js');
const { firstNonFinite } = await load('optimizers/gradients.js');
const memory = new KernelMemory(true);
const n = 1 << 20;
const inMemory = memory.allocate(n);
for (let i = 0; i < n; i++) inMemory[i] = Math.sin(i);
const plain = inMemory.slice();
const limit = 1.8e20;
function best(run) {
  let fastest = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 15; batch++) {
    const start = process.hrtime.bigint();
    for (let r = 0; r < 20; r++) run();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - start) / 20 / 1e3);
  }
  return fastest.toFixed(1);
}
const wasm = best(() => memory.exports.firstNonFinite(inMemory.byteOffset, n, limit));
const ts = best(() => firstNonFinite(plain, limit));
console.log(`${dir}: scan of ${n} floats: WebAssembly ${wasm} us, TypeScript ${ts} us`);
