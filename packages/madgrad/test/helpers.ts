import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/experimental.js';
import type { Parameter, StatefulOptimizer } from '../src/index.js';

/** The package's folder, whether the test runs from test/ (tsx) or dist/test/ (compiled). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** Deterministic uniform [0, 1) generator: the library's mulberry32. */
export const rng = mulberry32;

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
