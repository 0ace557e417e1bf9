/**
 * The float64 references other tests compare with (reference-f64.ts) reproduce the PyTorch
 * reference's golden trajectories: they are independent of the library and right.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';
import { Madgrad64, Mirror64 } from './reference-f64.js';

interface Case {
  optimizer: 'madgrad' | 'mirror_madgrad';
  groups: { options: { lr: number; momentum: number; eps: number } }[];
  params: { name: string; init: number[] }[];
  steps: { grads: Record<string, number[]>; lr?: number[] }[];
  expected: Record<string, number[]>[];
}

describe('float64 references against the golden trajectories', () => {
  for (const name of [
    'madgrad-default',
    'madgrad-momentum0',
    'madgrad-lr-schedule',
    'madgrad-grad-scales',
    'madgrad-eps0-zero-grads',
    'mirror-default',
    'mirror-lr-schedule',
  ]) {
    it(name, () => {
      const c = JSON.parse(
        readFileSync(join(ROOT, '..', '..', 'golden', 'cases', `${name}.json`), 'utf8'),
      ) as Case;
      const options = c.groups[0]!.options;
      const Ref = c.optimizer === 'madgrad' ? Madgrad64 : Mirror64;
      const refs = c.params.map((p) => new Ref(p.init, options));
      let lr = options.lr;
      c.steps.forEach((step, k) => {
        if (step.lr) lr = step.lr[0]!;
        c.params.forEach((p, j) => {
          const x = refs[j]!.step(step.grads[p.name]!, lr);
          c.expected[k]![p.name]!.forEach((b, i) =>
            assert.ok(
              Math.abs(x[i]! - b) <= 1e-6 + 1e-4 * Math.abs(b),
              `step ${k} ${p.name}[${i}]: ${x[i]} vs ${b}`,
            ),
          );
        });
      });
    });
  }
});
