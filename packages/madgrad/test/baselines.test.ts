import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adagrad, Adam, InvalidOptionError, SgdMomentum } from '../src/index.js';
import { bitwiseEqual, param, randomArray, rng } from './helpers.js';

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

describe('baselines under a constant gradient (closed forms)', () => {
  const g = 0.5;
  const x0 = 2;
  const steps = 7;

  it('SGD with momentum: b_t = g (1 − μ^t) / (1 − μ), x_t = x0 − lr Σ b_s', () => {
    const x = param('x', [], new Float32Array([x0]));
    const opt = new SgdMomentum([x], { lr: 0.1, momentum: 0.9 });
    let expected = x0;
    for (let t = 1; t <= steps; t++) {
      opt.step({ x: new Float32Array([g]) });
      expected -= (0.1 * g * (1 - 0.9 ** t)) / (1 - 0.9);
      close(x.value[0]!, expected);
    }
  });

  it('Adam: bias correction makes every step lr · g / (|g| + eps)', () => {
    const x = param('x', [], new Float32Array([x0]));
    const opt = new Adam([x], { lr: 0.01 });
    for (let t = 1; t <= steps; t++) {
      opt.step({ x: new Float32Array([g]) });
      close(x.value[0]!, x0 - (t * 0.01 * g) / (g + 1e-8));
    }
  });

  it('AdaGrad: G_t = t g², x_t = x0 − lr Σ g / (sqrt(s) |g| + eps)', () => {
    const x = param('x', [], new Float32Array([x0]));
    const opt = new Adagrad([x], { lr: 0.1 });
    let expected = x0;
    for (let t = 1; t <= steps; t++) {
      opt.step({ x: new Float32Array([g]) });
      expected -= (0.1 * g) / (Math.sqrt(t) * g + 1e-10);
      close(x.value[0]!, expected);
    }
  });

  it('SGD with momentum 0 on f = a·x²/2 contracts by (1 − lr·a) per step', () => {
    const a = 3;
    const x = param('x', [], new Float32Array([x0]));
    const opt = new SgdMomentum([x], { lr: 0.1, momentum: 0 });
    for (let t = 1; t <= steps; t++) {
      opt.step({ x: new Float32Array([a * x.value[0]!]) });
      close(x.value[0]!, x0 * (1 - 0.1 * a) ** t, 1e-5);
    }
  });

  it('decoupled decay with a zero gradient shrinks x by (1 − lr·wd) per step', () => {
    for (const Kind of [SgdMomentum, Adam, Adagrad]) {
      const x = param('x', [], new Float32Array([x0]));
      const opt = new Kind([x], { lr: 0.1, weightDecay: 0.5, decoupleDecay: true });
      for (let t = 0; t < 3; t++) opt.step({ x: new Float32Array([0]) });
      close(x.value[0]!, x0 * (1 - 0.05) ** 3);
    }
  });
});

describe('Adam', () => {
  it('takes two hand-computed steps (β₁ 0.9, β₂ 0.999, coupled decay 0.1)', () => {
    const x = param('x', [], new Float32Array([1]));
    const opt = new Adam([x], { lr: 0.1, weightDecay: 0.1 });
    opt.step({ x: new Float32Array([1]) });
    // g = 1 + 0.1·1 = 1.1; m̂ = 1.1, v̂ = 1.21 → x = 1 − 0.1 · 1.1 / (1.1 + 1e-8)
    const x1 = 1 - (0.1 * 1.1) / (1.1 + 1e-8);
    close(x.value[0]!, x1);
    opt.step({ x: new Float32Array([-2]) });
    const g2 = -2 + 0.1 * x1;
    const m = 0.9 * 0.1 * 1.1 + 0.1 * g2;
    const v = 0.999 * 0.001 * 1.21 + 0.001 * g2 * g2;
    close(x.value[0]!, x1 - (0.1 * (m / (1 - 0.81))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8));
  });

  it('validates beta2 and carries it through checkpoints', () => {
    const x = param('x', [2], new Float32Array([1, 2]));
    assert.throws(
      () => new Adam([x], { beta2: 1 }),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        /option beta2 must be in \[0, 1\), got 1/.test(e.message),
    );
    assert.throws(() => new Adam([x], { beta1: 1 }), /option beta1 must be in \[0, 1\), got 1/);
    const opt = new Adam([x], { beta2: 0.99 });
    opt.step({ x: new Float32Array([1, -1]) });
    const y = param('x', [2], x.value.slice());
    const resumed = new Adam([y]);
    resumed.loadState(opt.saveState());
    assert.equal(resumed.groups[0]!.beta2, 0.99);
    opt.step({ x: new Float32Array([0.5, 0.25]) });
    resumed.step({ x: new Float32Array([0.5, 0.25]) });
    assert.ok(bitwiseEqual(x.value, y.value));
  });
});

describe('row-sparse gradients on the baselines', () => {
  for (const [name, make] of [
    ['AdaGrad', (p: ReturnType<typeof param>) => new Adagrad([p], { lr: 0.1 })],
    ['Adam', (p: ReturnType<typeof param>) => new Adam([p], { lr: 0.1 })],
    ['SGD', (p: ReturnType<typeof param>) => new SgdMomentum([p], { lr: 0.1 })],
  ] as const) {
    it(`${name}: equal the dense step with zero rows`, () => {
      const random = rng(2);
      const init = randomArray(20, random);
      const a = param('t', [5, 4], init.slice());
      const b = param('t', [5, 4], init.slice());
      const sparse = make(a);
      const dense = make(b);
      for (let k = 0; k < 5; k++) {
        const values = randomArray(8, random);
        const full = new Float32Array(20);
        full.set(values.subarray(0, 4), 12);
        full.set(values.subarray(4), 4);
        sparse.step({ t: { indices: [3, 1], values } });
        dense.step({ t: full });
      }
      assert.ok(bitwiseEqual(a.value, b.value));
    });
  }

  it('AdaGrad rejects sparse rows with weight decay, before changing anything', () => {
    const x = param('t', [2, 1], new Float32Array([1, 2]));
    const opt = new Adagrad([x], { weightDecay: 0.1 });
    assert.throws(
      () => opt.step({ t: { indices: [0], values: new Float32Array([1]) } }),
      /need weightDecay 0/,
    );
    assert.deepEqual([...x.value], [1, 2]);
  });
});
