import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Adam,
  InvalidOptionError,
  InvalidParameterError,
  MADGRAD_DEFAULTS,
  Madgrad,
  MIRROR_MADGRAD_DEFAULTS,
  MirrorMadgrad,
} from '../src/index.js';
import { param } from './helpers.js';

const w = () => param('w', [2], new Float32Array([1, 2]));

describe('hyperparameters', () => {
  it('defaults match the reference', () => {
    assert.deepEqual(new Madgrad([w()]).groups[0], {
      lr: 1e-2,
      momentum: 0.9,
      weightDecay: 0,
      eps: 1e-6,
      decoupleDecay: false,
    });
    assert.deepEqual(new MirrorMadgrad([w()]).groups[0], { ...MADGRAD_DEFAULTS, eps: 0 });
    assert.equal(MIRROR_MADGRAD_DEFAULTS.eps, 0);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['negative lr', { lr: -0.1 }, /option lr must be >= 0, got -0.1/],
    ['NaN lr', { lr: Number.NaN }, /option lr must be a finite number, got NaN/],
    [
      'infinite eps',
      { eps: Number.POSITIVE_INFINITY },
      /option eps must be a finite number, got Infinity/,
    ],
    ['negative eps', { eps: -1e-8 }, /option eps must be >= 0, got -1e-8/],
    ['negative weight decay', { weightDecay: -1 }, /option weightDecay must be >= 0, got -1/],
    ['momentum 1', { momentum: 1 }, /option momentum must be in \[0, 1\), got 1/],
    ['negative momentum', { momentum: -0.5 }, /option momentum must be in \[0, 1\), got -0.5/],
    ['string momentum', { momentum: '0.9' }, /option momentum must be a finite number, got "0.9"/],
    ['non-boolean decoupleDecay', { decoupleDecay: 1 }, /option decoupleDecay must be a boolean/],
    ['unknown option', { weight_decay: 0.1 }, /unknown option "weight_decay"/],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what} at construction, for either optimizer`, () => {
      assert.throws(
        () => new Madgrad([w()], options as never),
        (e: Error) => e instanceof InvalidOptionError && message.test(e.message),
      );
      assert.throws(() => new MirrorMadgrad([w()], options as never), message);
    });
    it(`rejects ${what} when changed, keeping the old options`, () => {
      const opt = new Madgrad([w()], { lr: 0.5 });
      assert.throws(() => opt.setOptions(options as never), message);
      assert.equal(opt.groups[0]!.lr, 0.5);
    });
  }

  it('lists every option the constructor accepts when one is unknown', () => {
    assert.throws(
      () => new Madgrad([w()], { kernels: 'js', learning_rate: 1 } as never),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        e.message ===
          'unknown option "learning_rate" (known: lr, momentum, weightDecay, eps, decoupleDecay, kernels)',
    );
    assert.throws(
      () => new Adam([w()], { beta_2: 0.99 } as never),
      /unknown option "beta_2" \(known: lr, beta1, beta2, weightDecay, eps, decoupleDecay, kernels\)$/,
    );
    // A group takes no kernels of its own: its list leaves them out.
    assert.throws(
      () => new Madgrad([{ params: [w()], kernels: 'js' } as never]),
      /group 0: unknown option "kernels" \(known: lr, momentum, weightDecay, eps, decoupleDecay\)$/,
    );
  });

  it('names the group whose options are bad', () => {
    assert.throws(
      () =>
        new Madgrad([
          { params: [w()] },
          { params: [param('b', [1], new Float32Array(1))], momentum: 2 },
        ]),
      /group 1: option momentum/,
    );
  });

  it('accepts lr 0, and then steps leave the parameters where they are, with or without eps', () => {
    // The reference adds eps to a non-zero lr only (golden/FORMAT.md): at lr 0, λ = 0 and s, v stay 0.
    for (const Optimizer of [Madgrad, MirrorMadgrad]) {
      for (const eps of [0, 1e-6]) {
        for (const momentum of [0, 0.9]) {
          const p = w();
          const opt = new Optimizer([p], { lr: 0, eps, momentum });
          for (let k = 0; k < 3; k++) opt.step({ w: new Float32Array([0.5, -2]) });
          assert.deepEqual(
            [...p.value],
            [1, 2],
            `${Optimizer.name} eps ${eps} momentum ${momentum}`,
          );
        }
      }
    }
  });

  it('accepts the edges of the momentum range, and 0.999999 steps by the closed form', () => {
    const opt = new Madgrad([w()], { lr: 0, momentum: 0 });
    opt.setOptions({ momentum: 0.999999 });
    assert.equal(opt.groups[0]!.momentum, 0.999999);
    // First step: z = p0 − λg / (cbrt(λg²) + eps), p1 = β p0 + (1 − β) z, λ = lr + eps.
    const beta = 0.999999;
    const lamb = 0.1 + 1e-6;
    const p = w();
    new Madgrad([p], { lr: 0.1, momentum: beta }).step({ w: new Float32Array([0.5, -2]) });
    [1, 2].forEach((p0, i) => {
      const g = [0.5, -2][i]!;
      const z = p0 - (lamb * g) / (Math.cbrt(lamb * g * g) + 1e-6);
      const want = beta * p0 + (1 - beta) * z;
      assert.ok(Math.abs(p.value[i]! - want) <= 1e-6, `${p.value[i]} vs ${want}`);
      assert.notEqual(p.value[i], p0, 'the step moved it');
    });
  });

  it('sets the learning rate of one group or of all', () => {
    const opt = new Madgrad([
      { params: [w()], lr: 1 },
      { params: [param('b', [1], new Float32Array(1))], lr: 2 },
    ]);
    opt.setLr(3, 1);
    assert.deepEqual(
      opt.groups.map((g) => g.lr),
      [1, 3],
    );
    opt.setLr(4);
    assert.deepEqual(
      opt.groups.map((g) => g.lr),
      [4, 4],
    );
    assert.throws(() => opt.setLr(1, 5), /no parameter group 5/);
  });

  it('refuses to switch momentum between zero and non-zero once state exists', () => {
    const opt = new Madgrad([w()], { momentum: 0.9 });
    opt.setOptions({ momentum: 0 }); // no state yet: fine
    opt.setOptions({ momentum: 0.5 });
    opt.step({ w: new Float32Array([1, 1]) });
    opt.setOptions({ momentum: 0.8 }); // same buffers: fine
    assert.throws(
      () => opt.setOptions({ momentum: 0 }),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        e.message ===
          'group 0: changing momentum from 0.8 to 0 once steps have been taken changes the state buffers (grad_sum_sq, s, x0 → grad_sum_sq, s)',
    );
    // Only the option that changes the buffers is named; nothing changed.
    assert.throws(
      () => opt.setOptions({ momentum: 0, eps: 1e-3 }),
      /group 0: changing momentum from 0.8 to 0 once steps have been taken changes the state buffers \(grad_sum_sq, s, x0 → grad_sum_sq, s\)$/,
    );
    assert.equal(opt.groups[0]!.momentum, 0.8);
    assert.equal(opt.groups[0]!.eps, 1e-6);
  });
});

describe('parameters', () => {
  it('rejects malformed parameter lists', () => {
    assert.throws(() => new Madgrad([]), InvalidParameterError);
    assert.throws(
      () => new Madgrad([param('w', [3], new Float32Array(2))]),
      /value has 2 elements but shape \[3\] needs 3/,
    );
    assert.throws(
      () => new Madgrad([{ name: 'w', shape: [2], value: [1, 2] } as never]),
      /must be a Float32Array/,
    );
    assert.throws(() => new Madgrad([w(), w()]), /parameter name "w" is used twice/);
    assert.throws(() => new Madgrad([param('w', [-1], new Float32Array(0))]), /shape must be/);
  });
});
