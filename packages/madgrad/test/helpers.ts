import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parameter, StatefulOptimizer } from '../src/index.js';

/** The package's folder, whether the test runs from test/ (tsx) or dist/test/ (compiled). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(n: number, random: () => number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);
}

export function param(name: string, shape: number[], value: Float32Array): Parameter {
  return { name, shape, value };
}

/** Everything observable about an optimizer and its parameters, for "nothing changed" checks. */
export function fingerprint(opt: StatefulOptimizer, params: readonly Parameter[]): string {
  const bytes = opt.saveState();
  const values = params.map((p) =>
    Buffer.from(p.value.buffer, p.value.byteOffset, p.value.byteLength).toString('hex'),
  );
  return `${Buffer.from(bytes).toString('hex')}|${JSON.stringify(opt.groups)}|${values.join(',')}`;
}

export function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}
