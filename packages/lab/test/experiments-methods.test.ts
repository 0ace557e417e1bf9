import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Adagrad, Adam, Madgrad, MirrorMadgrad, type Parameter, SgdMomentum } from 'madgrad';
import { DualAveragingVariant } from 'madgrad/experimental';
import { useBackend } from '../src/experiments/backend.js';
import { Rng } from '../src/experiments/data/rng.js';
import { createTfMethod, type MethodName, methodLrFactorFor } from '../src/experiments/methods.js';

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

    it(`on ${backend}: the ablation's variants step as the core optimizers`, async () => {
      await useBackend(backend);
      for (const [method, make] of [
        ['da', (x: Parameter) => new DualAveragingVariant('da', [x], { lr: 0.1 })],
        ['adagrad-da', (x: Parameter) => new DualAveragingVariant('adagrad-da', [x], { lr: 0.1 })],
        [
          'da-weighted',
          (x: Parameter) => new DualAveragingVariant('da-weighted', [x], { lr: 0.1 }),
        ],
        [
          'madgrad-sqrt-unweighted',
          (x: Parameter) => new DualAveragingVariant('madgrad-sqrt-unweighted', [x], { lr: 0.1 }),
        ],
        [
          'madgrad-sqrt-weighted',
          (x: Parameter) => new DualAveragingVariant('madgrad-sqrt-weighted', [x], { lr: 0.1 }),
        ],
        ['madgrad-no-momentum', (x: Parameter) => new Madgrad([x], { lr: 0.1, momentum: 0 })],
      ] as const) {
        const x = p([0.5, -1, 2]);
        const expected = runCore(make(x), x);
        const got = runTf(method, lrs, grads);
        for (let i = 0; i < 3; i++) close(got[i]!, expected[i]!, 1e-7);
      }
    });

    it(`on ${backend}: the madgrad/tfjs optimizers step as the core optimizers`, async () => {
      await useBackend(backend);
      for (const [method, make] of [
        ['madgrad', (x: Parameter) => new Madgrad([x], { lr: 0.1 })],
        ['mirror-madgrad', (x: Parameter) => new MirrorMadgrad([x], { lr: 0.1 })],
      ] as const) {
        const x = p([0.5, -1, 2]);
        const expected = runCore(make(x), x);
        const got = runTf(method, lrs, grads);
        for (let i = 0; i < 3; i++) close(got[i]!, expected[i]!, 1e-7);
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
