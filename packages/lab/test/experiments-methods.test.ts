import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Adagrad, Adam, type Parameter, SgdMomentum } from 'madgrad';
import { useBackend } from '../src/experiments/backend.js';
import { Rng } from '../src/experiments/data/rng.js';
import { createTfMethod, type MethodName, methodLrFactorFor } from '../src/experiments/methods.js';
import { ROOT } from './helpers.js';

const GOLDEN = join(ROOT, '..', '..', 'golden', 'cases');

/** A golden case (golden/FORMAT.md), dense and single-group as the two used here are. */
interface GoldenCase {
  optimizer: 'madgrad' | 'mirror_madgrad';
  groups: { options: { lr: number; momentum: number; weight_decay: number; eps: number } }[];
  params: { name: string; shape: number[]; init: number[] }[];
  steps: { grads: Record<string, number[]>; lr?: number[] }[];
  expected: Record<string, number[]>[];
}

/**
 * The paper's construction of MADGRAD from dual averaging (Defazio & Jelassi 2021, §5), written
 * out here in float64 with momentum 0: s = Σ λ_i g_i, z = x = x0 − s / D, λ_i = lr' (constant) or
 * lr' sqrt(i + 1), lr' = lr + eps, and D = sqrt(k + 1), sqrt(Σ g²) + eps, sqrt(Σ λ g²) + eps or
 * cbrt(Σ λ g²) + eps (MADGRAD's own, so madgrad-no-momentum is the last).
 */
type Formula = { sqrtWeights: boolean; d: 'step' | 'sqrt-sum' | 'sqrt-weighted' | 'cbrt-weighted' };
const DA_FORMULAS = {
  da: { sqrtWeights: false, d: 'step' },
  'adagrad-da': { sqrtWeights: false, d: 'sqrt-sum' },
  'da-weighted': { sqrtWeights: true, d: 'step' },
  'madgrad-sqrt-unweighted': { sqrtWeights: true, d: 'sqrt-sum' },
  'madgrad-sqrt-weighted': { sqrtWeights: true, d: 'sqrt-weighted' },
  'madgrad-no-momentum': { sqrtWeights: true, d: 'cbrt-weighted' },
} as const satisfies Partial<Record<MethodName, Formula>>;

function dualAveraging64(f: Formula, x0: number[], lrs: number[], grads: Float32Array[]) {
  const eps = 1e-6;
  const s = x0.map(() => 0);
  const v = x0.map(() => 0);
  let x = x0.slice();
  grads.forEach((g, k) => {
    const lr = lrs[k]! + eps;
    const lamb = f.sqrtWeights ? lr * Math.sqrt(k + 1) : lr;
    x = x0.map((x0i, i) => {
      const gi = g[i]!;
      s[i] = s[i]! + lamb * gi;
      v[i] = v[i]! + (f.d === 'sqrt-sum' ? 1 : lamb) * gi * gi;
      const d =
        f.d === 'step'
          ? Math.sqrt(k + 1)
          : f.d === 'cbrt-weighted'
            ? Math.cbrt(v[i]!) + eps
            : Math.sqrt(v[i]!) + eps;
      return x0i - s[i]! / d;
    });
  });
  return x;
}

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

function p(values: number[]): Parameter {
  return { name: 'x', shape: [values.length], value: Float32Array.from(values) };
}

describe('tfjs methods', () => {
  /** Runs a method on a quadratic for a few steps (with a learning-rate change) and returns x. */
  function runTf(method: MethodName, lrs: number[], grads: Float32Array[]) {
    const v = tf.variable(tf.tensor1d([0.5, -1, 2]), true, `x_${method}_${Math.random()}`);
    const m = createTfMethod(method, { lr: lrs[0]!, weightDecay: 0 });
    grads.forEach((g, k) => {
      m.setLr(lrs[k]!);
      m.optimizer.applyGradients({ [v.name]: tf.tensor1d(g) });
    });
    const out = v.dataSync().slice();
    m.optimizer.dispose();
    v.dispose();
    return out;
  }

  const generator = new Rng(11);
  const random = () => generator.next();
  const grads = Array.from({ length: 5 }, () =>
    Float32Array.from({ length: 3 }, () => random() * 2 - 1),
  );
  const lrs = [0.1, 0.1, 0.05, 0.05, 0.01];

  function runCore(
    opt: { step(g: Record<string, Float32Array>): void; setLr(lr: number): void },
    x: Parameter,
  ) {
    grads.forEach((g, k) => {
      opt.setLr(lrs[k]!);
      opt.step({ x: g });
    });
    return x.value;
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`on ${backend}: tfjs SGD, Adam, AdaGrad agree with the independent core baselines, with lr changes`, async () => {
      await useBackend(backend);
      const start = [0.5, -1, 2];
      const pairs = [
        ['sgd', (x: Parameter) => new SgdMomentum([x], { lr: 0.1, momentum: 0.9 })],
        ['adam', (x: Parameter) => new Adam([x], { lr: 0.1 })],
        ['adagrad', (x: Parameter) => new Adagrad([x], { lr: 0.1 })],
      ] as const;
      for (const [method, make] of pairs) {
        const x = p(start);
        const expected = runCore(make(x), x);
        const got = runTf(method, lrs, grads);
        for (let i = 0; i < 3; i++) close(got[i]!, expected[i]!, 1e-5);
      }
    });

    it(`on ${backend}: the ablation's variants and madgrad-no-momentum follow the dual averaging formulas (float64 by hand)`, async () => {
      await useBackend(backend);
      for (const method of Object.keys(DA_FORMULAS) as (keyof typeof DA_FORMULAS)[]) {
        const expected = dualAveraging64(DA_FORMULAS[method], [0.5, -1, 2], lrs, grads);
        const got = runTf(method, lrs, grads);
        for (let i = 0; i < 3; i++) close(got[i]!, expected[i]!, 1e-5);
      }
    });

    it(`on ${backend}: madgrad and mirror-madgrad replay the reference's golden trajectories with lr changes`, async () => {
      await useBackend(backend);
      for (const file of ['madgrad-lr-schedule', 'mirror-lr-schedule']) {
        const c = JSON.parse(readFileSync(join(GOLDEN, `${file}.json`), 'utf8')) as GoldenCase;
        const method: MethodName = c.optimizer === 'madgrad' ? 'madgrad' : 'mirror-madgrad';
        const o = c.groups[0]!.options;
        // The lab's methods take the reference's defaults for momentum and eps.
        assert.equal(o.momentum, 0.9);
        assert.equal(o.eps, method === 'madgrad' ? 1e-6 : 0);
        const vars = Object.fromEntries(
          c.params.map((q) => [
            q.name,
            tf.variable(tf.tensor(q.init, q.shape), true, `${file}_${q.name}_${Math.random()}`),
          ]),
        );
        const m = createTfMethod(method, { lr: o.lr, weightDecay: o.weight_decay });
        c.steps.forEach((step, k) => {
          if (step.lr) m.setLr(step.lr[0]!);
          const grads = Object.fromEntries(
            c.params.map((q) => [vars[q.name]!.name, tf.tensor(step.grads[q.name]!, q.shape)]),
          );
          m.optimizer.applyGradients(grads);
          tf.dispose(Object.values(grads));
          for (const q of c.params) {
            const got = vars[q.name]!.dataSync();
            c.expected[k]![q.name]!.forEach((b, i) =>
              assert.ok(
                Math.abs(got[i]! - b) <= 1e-6 + 1e-4 * Math.abs(b),
                `${file} step ${k} ${q.name}[${i}]: ${got[i]} vs ${b}`,
              ),
            );
          }
        });
        m.optimizer.dispose();
        tf.dispose(Object.values(vars));
      }
    });
  }
});

describe('sgd-power', () => {
  it('carries its own factor 1/(k+1)^p on the learning rate; other methods none', () => {
    close(methodLrFactorFor('sgd-power-0.5')(0), 1);
    close(methodLrFactorFor('sgd-power-0.5')(3), 0.5);
    close(methodLrFactorFor('sgd-power-0.25')(15), 0.5);
    close(methodLrFactorFor('sgd-power-0.25')(80), 1 / 3);
    for (const m of ['sgd', 'madgrad', 'da'] as const) close(methodLrFactorFor(m)(99), 1);
  });
});
