import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Madgrad } from '../src/index.js';
import { bitwiseEqual, param, randomArray, rng } from './helpers.js';

describe('row-sparse gradients (MADGRAD, momentum 0)', () => {
  for (const eps of [1e-6, 0]) {
    it(`equal the dense step with zero rows (eps ${eps})`, () => {
      const random = rng(11);
      const rows = 50;
      const width = 7;
      const init = randomArray(rows * width, random);
      const sparseParam = param('emb', [rows, width], init.slice());
      const denseParam = param('emb', [rows, width], init.slice());
      const sparse = new Madgrad([sparseParam], { momentum: 0, eps, lr: 0.05 });
      const dense = new Madgrad([denseParam], { momentum: 0, eps, lr: 0.05 });
      for (let step = 0; step < 40; step++) {
        const chosen = [...new Set(Array.from({ length: 6 }, () => Math.floor(random() * rows)))];
        const values = randomArray(chosen.length * width, random);
        const full = new Float32Array(rows * width);
        chosen.forEach((row, j) =>
          full.set(values.subarray(j * width, (j + 1) * width), row * width),
        );
        const untouchedBefore = sparseParam.value.slice();
        sparse.step({ emb: { indices: chosen, values } });
        dense.step({ emb: full });
        for (let i = 0; i < rows * width; i++) {
          const b = denseParam.value[i]!;
          assert.ok(
            Math.abs(sparseParam.value[i]! - b) <= 1e-6 + 1e-5 * Math.abs(b),
            `step ${step} index ${i}`,
          );
        }
        // Rows that got no gradient are not touched at all (bitwise).
        for (let row = 0; row < rows; row++) {
          if (chosen.includes(row)) continue;
          const slice = (a: Float32Array) => a.subarray(row * width, (row + 1) * width);
          assert.ok(
            bitwiseEqual(slice(sparseParam.value), slice(untouchedBefore)),
            `row ${row} moved`,
          );
        }
      }
      const s = sparse.stateOf('emb')!;
      const d = dense.stateOf('emb')!;
      for (const buffer of ['grad_sum_sq', 's'] as const) {
        for (let i = 0; i < rows * width; i++) {
          assert.ok(
            Math.abs(s[buffer]![i]! - d[buffer]![i]!) <= 1e-6 + 1e-5 * Math.abs(d[buffer]![i]!),
          );
        }
      }
    });
  }

  it('accepts Int32Array indices and rows in any order, mixed with dense steps', () => {
    const a = param('t', [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
    const b = param('t', [3, 2], new Float32Array([1, 2, 3, 4, 5, 6]));
    const optA = new Madgrad([a], { momentum: 0 });
    const optB = new Madgrad([b], { momentum: 0 });
    optA.step({ t: { indices: Int32Array.from([2, 0]), values: new Float32Array([5, 6, 1, 2]) } });
    optB.step({ t: new Float32Array([1, 2, 0, 0, 5, 6]) });
    optA.step({ t: new Float32Array([1, 1, 1, 1, 1, 1]) });
    optB.step({ t: { indices: [1, 0, 2], values: new Float32Array([1, 1, 1, 1, 1, 1]) } });
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(a.value[i]! - b.value[i]!) < 1e-6);
  });
});
