import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adagrad } from '../web/src/optimizers/adagrad.js';
import { Adam } from '../web/src/optimizers/adam.js';
import { SgdMomentum } from '../web/src/optimizers/sgd-momentum.js';

function point(values: number[]) {
  return { name: 'p', shape: [values.length], value: Float32Array.from(values) };
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-6 + 1e-5 * Math.abs(expected),
    `${what}: ${actual} vs ${expected}`,
  );
}

describe('baseline optimizers (closed forms)', () => {
  it('SGD with momentum under a constant gradient: x_t = x0 − lr·g·Σ_{k≤t} (1−μᵏ)/(1−μ)', () => {
    const lr = 0.1;
    const mu = 0.9;
    const g = [0.5, -2];
    const p = point([1, 1]);
    const opt = new SgdMomentum([p], { lr, momentum: mu });
    let sum = 0;
    for (let t = 1; t <= 30; t++) {
      opt.step({ p: Float32Array.from(g) });
      sum += (1 - mu ** t) / (1 - mu);
      for (let i = 0; i < 2; i++) close(p.value[i]!, 1 - lr * g[i]! * sum, `t=${t} i=${i}`);
    }
  });

  it('SGD with momentum 0 on f = a·x²/2 contracts by (1 − lr·a) per step', () => {
    const a = 3;
    const lr = 0.1;
    const p = point([2]);
    const opt = new SgdMomentum([p], { lr, momentum: 0 });
    for (let t = 1; t <= 20; t++) {
      opt.step({ p: Float32Array.of(a * p.value[0]!) });
      close(p.value[0]!, 2 * (1 - lr * a) ** t, `t=${t}`);
    }
  });

  it('Adam under a constant gradient moves lr·|g|/(|g|+ε) against it every step (bias correction)', () => {
    const lr = 0.01;
    const g = [3, -0.25];
    const p = point([0, 0]);
    const opt = new Adam([p], { lr, eps: 1e-8 });
    for (let t = 1; t <= 50; t++) {
      opt.step({ p: Float32Array.from(g) });
      for (let i = 0; i < 2; i++) {
        const gi = g[i]!;
        close(p.value[i]!, (-t * lr * gi) / (Math.abs(gi) + 1e-8), `t=${t} i=${i}`);
      }
    }
  });

  it('Adam, two steps with different gradients, by hand', () => {
    const [lr, b1, b2, eps] = [0.1, 0.9, 0.999, 1e-8];
    const p = point([1]);
    const opt = new Adam([p], { lr, beta1: b1, beta2: b2, eps });
    opt.step({ p: Float32Array.of(1) });
    opt.step({ p: Float32Array.of(-2) });
    const m = b1 * (1 - b1) * 1 + (1 - b1) * -2;
    const v = b2 * (1 - b2) * 1 + (1 - b2) * 4;
    const step2 = (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    close(p.value[0]!, 1 - lr - step2, 'after two steps');
  });

  it('AdaGrad under a constant gradient: x_t = x0 − lr·sign(g)·Σ_{k≤t} 1/√k', () => {
    const lr = 0.5;
    const g = [4, -0.01];
    const p = point([0, 0]);
    const opt = new Adagrad([p], { lr, eps: 0 });
    let sum = 0;
    for (let t = 1; t <= 40; t++) {
      opt.step({ p: Float32Array.from(g) });
      sum += 1 / Math.sqrt(t);
      for (let i = 0; i < 2; i++) close(p.value[i]!, -lr * Math.sign(g[i]!) * sum, `t=${t}`);
    }
  });

  it('setLr takes effect at the next step', () => {
    const p = point([0]);
    const opt = new SgdMomentum([p], { lr: 1, momentum: 0 });
    opt.step({ p: Float32Array.of(1) });
    opt.setLr(0.5);
    opt.step({ p: Float32Array.of(1) });
    close(p.value[0]!, -1.5, 'after two steps');
  });

  it('rejects bad options, unknown parameters and wrong gradient lengths', () => {
    const p = point([0, 0]);
    assert.throws(() => new Adam([p], { lr: -1 }), /lr/);
    assert.throws(() => new Adam([p], { beta1: 1 }), /beta1/);
    assert.throws(() => new Adagrad([p], { lr: Number.NaN }), /lr/);
    assert.throws(() => new SgdMomentum([p, p]), /twice/);
    const opt = new SgdMomentum([p]);
    assert.throws(() => opt.step({ q: new Float32Array(2) }), /unknown parameter "q"/);
    assert.throws(() => opt.step({ p: new Float32Array(3) }), /3 values/);
    assert.throws(() => opt.setOptions({ momentum: -0.5 }), /momentum/);
  });
});
