import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Madgrad, MirrorMadgrad, type StatefulOptimizer } from '../src/index.js';
import { param, rng } from './helpers.js';

/** A seeded least-squares problem min ½‖Aw − y‖² / n and its optimum from the normal equations. */
function leastSquares(n: number, d: number) {
  const random = rng(5);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const A = Array.from({ length: n }, () => Array.from({ length: d }, gauss));
  const y = A.map((row) => row.reduce((s, a, j) => s + (a * (j - d / 2)) / d, 0) + 0.3 * gauss());
  const loss = (w: ArrayLike<number>) =>
    A.reduce((s, row, i) => s + 0.5 * (row.reduce((t, a, j) => t + a * w[j]!, 0) - y[i]!) ** 2, 0) /
    n;
  const grad = (w: ArrayLike<number>) => {
    const g = new Float32Array(d);
    A.forEach((row, i) => {
      const r = row.reduce((t, a, j) => t + a * w[j]!, 0) - y[i]!;
      row.forEach((a, j) => (g[j]! += (r * a) / n));
    });
    return g;
  };
  // Solve (AᵀA) w = Aᵀy by Gaussian elimination with partial pivoting.
  const M = Array.from({ length: d }, (_, r) => [
    ...Array.from({ length: d }, (_, c) => A.reduce((s, row) => s + row[r]! * row[c]!, 0)),
    A.reduce((s, row, i) => s + row[r]! * y[i]!, 0),
  ]);
  for (let c = 0; c < d; c++) {
    const pivot = M.slice(c).reduce(
      (best, row, i) => (Math.abs(row[c]!) > Math.abs(M[best]![c]!) ? c + i : best),
      c,
    );
    [M[c], M[pivot]] = [M[pivot]!, M[c]!];
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= d; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const optimum = M.map((row, i) => row[d]! / row[i]!);
  return { loss, grad, optimum, fStar: loss(optimum) };
}

describe('convergence on a convex problem', () => {
  const problem = leastSquares(64, 8);
  // Without momentum (plain weighted dual averaging) a constant learning rate keeps a constant
  // effective step and oscillates around the optimum, so that run uses the paper's stage-wise
  // schedule (×0.1 at 50% and 75% of training).
  const runs: [string, (w: ReturnType<typeof param>) => StatefulOptimizer, boolean][] = [
    ['MADGRAD', (w) => new Madgrad([w], { lr: 0.1 }), false],
    ['MADGRAD, momentum 0, stage-wise lr', (w) => new Madgrad([w], { lr: 0.1, momentum: 0 }), true],
    ['MirrorMADGRAD', (w) => new MirrorMadgrad([w], { lr: 0.1 }), false],
  ];
  for (const [name, build, stagewise] of runs) {
    it(`${name} approaches the least-squares optimum in a few hundred steps`, () => {
      const w = param('w', [8], new Float32Array(8));
      const opt = build(w);
      const gap0 = problem.loss(w.value) - problem.fStar;
      for (let k = 0; k < 400; k++) {
        if (stagewise && (k === 200 || k === 300)) opt.setLr(opt.groups[0]!.lr * 0.1);
        opt.step({ w: problem.grad(w.value) });
      }
      const gap = problem.loss(w.value) - problem.fStar;
      assert.ok(gap >= -1e-6, 'below the optimum: the closed form is wrong');
      assert.ok(gap < 1e-4 * gap0, `${name}: gap ${gap} after 400 steps, started at ${gap0}`);
      const distance = Math.hypot(...problem.optimum.map((o, j) => o - w.value[j]!));
      assert.ok(distance < 0.02, `distance to the optimum ${distance}`);
    });
  }
});
