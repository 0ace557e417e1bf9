import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidGradientError, Madgrad, MirrorMadgrad, type Parameter } from '../src/index.js';
import { fingerprint, param, randomArray, rng } from './helpers.js';

function setup(
  options: Record<string, unknown> = {},
  Kind: typeof Madgrad | typeof MirrorMadgrad = Madgrad,
) {
  const random = rng(7);
  const params: Parameter[] = [
    param('w', [4, 3], randomArray(12, random)),
    param('b', [3], randomArray(3, random)),
  ];
  const opt = new Kind(params, options as never);
  // Two good steps first, so that there is state to protect.
  for (let i = 0; i < 2; i++) opt.step({ w: randomArray(12, random), b: randomArray(3, random) });
  return { opt, params, random };
}

const good = (random: () => number) => randomArray(12, random);

describe('a step that cannot apply throws, names the parameter and step, and changes nothing', () => {
  const cases: [
    string,
    Record<string, unknown>,
    (r: () => number) => Record<string, unknown>,
    RegExp,
  ][] = [
    [
      'wrong length',
      {},
      (r) => ({ w: good(r), b: new Float32Array(4) }),
      /step k=2: parameter "b": gradient has length 4, expected 3/,
    ],
    [
      'unknown parameter',
      {},
      (r) => ({ w: good(r), c: new Float32Array(3) }),
      /step k=2: parameter "c" is not managed/,
    ],
    [
      'NaN in a dense gradient',
      {},
      (r) => ({ w: good(r), b: new Float32Array([0, Number.NaN, 0]) }),
      /parameter "b": gradient holds NaN at index 1/,
    ],
    [
      'Infinity in a dense gradient',
      {},
      (r) => ({ b: new Float32Array(3), w: Object.assign(good(r), { 11: -Infinity }) }),
      /parameter "w": gradient holds -Infinity at index 11/,
    ],
    [
      'not an array',
      {},
      () => ({ w: [1, 2, 3] }),
      /parameter "w": gradient must be a Float32Array/,
    ],
    [
      'sparse rows with momentum',
      { momentum: 0.9 },
      () => ({ w: { indices: [1], values: new Float32Array(3) } }),
      /row-sparse gradients need momentum 0, the group has 0.9/,
    ],
    [
      'sparse rows with weight decay',
      { momentum: 0, weightDecay: 1e-4 },
      () => ({ w: { indices: [1], values: new Float32Array(3) } }),
      /need weightDecay 0/,
    ],
    [
      'a row index out of range',
      { momentum: 0 },
      () => ({ w: { indices: [0, 4], values: new Float32Array(6) } }),
      /row index 4 is out of range \[0, 4\)/,
    ],
    [
      'a negative row index',
      { momentum: 0 },
      () => ({ w: { indices: [-1], values: new Float32Array(3) } }),
      /row index -1 is out of range/,
    ],
    [
      'a fractional row index',
      { momentum: 0 },
      () => ({ w: { indices: [1.5], values: new Float32Array(3) } }),
      /row index 1.5 is out of range/,
    ],
    [
      'a repeated row index',
      { momentum: 0 },
      () => ({ w: { indices: [2, 0, 2], values: new Float32Array(9) } }),
      /row index 2 is repeated/,
    ],
    [
      'sparse values of the wrong length',
      { momentum: 0 },
      () => ({ w: { indices: [2, 0], values: new Float32Array(5) } }),
      /5 values for 2 rows of 3, expected 6/,
    ],
    [
      'NaN in sparse rows',
      { momentum: 0 },
      () => ({ w: { indices: [3, 1], values: new Float32Array([0, 0, 0, 0, Number.NaN, 0]) } }),
      /gradient holds NaN in row 1/,
    ],
  ];
  for (const [what, options, grads, message] of cases) {
    it(what, () => {
      const { opt, params, random } = setup(options);
      const before = fingerprint(opt, params);
      // The valid gradient for the other parameter comes first: it must not be applied either.
      assert.throws(
        () => opt.step(grads(random) as never),
        (e: Error) => e instanceof InvalidGradientError && message.test(e.message),
      );
      assert.equal(fingerprint(opt, params), before);
      assert.equal(opt.stepCount, 2);
    });
  }

  it('sparse rows for MirrorMADGRAD', () => {
    const { opt, params } = setup({ momentum: 0 }, MirrorMadgrad);
    const before = fingerprint(opt, params);
    assert.throws(
      () => opt.step({ w: { indices: [0], values: new Float32Array(3) } }),
      /MirrorMADGRAD takes dense gradients only/,
    );
    assert.equal(fingerprint(opt, params), before);
  });

  it('sparse rows for a scalar parameter', () => {
    const opt = new Madgrad([param('t', [], new Float32Array([1]))], { momentum: 0 });
    assert.throws(
      () => opt.step({ t: { indices: [0], values: new Float32Array(1) } }),
      /scalar parameter cannot take row-sparse/,
    );
    assert.equal(opt.stepCount, 0);
  });

  it('gradients that are not an object', () => {
    const { opt } = setup();
    assert.throws(() => opt.step(null as never), /gradients must be an object/);
  });
});

describe('missing gradients', () => {
  it('skip the parameter but advance the shared step counter', () => {
    const w = param('w', [2], new Float32Array([1, 2]));
    const b = param('b', [1], new Float32Array([3]));
    const opt = new Madgrad([w, b]);
    opt.step({ w: new Float32Array([0.5, -0.5]), b: null });
    opt.step({ w: new Float32Array([0.5, -0.5]) });
    assert.equal(opt.stepCount, 2);
    assert.deepEqual([...b.value], [3]);
    assert.equal(opt.stateOf('b'), undefined);
    // b's first gradient arrives at k = 2: λ = lr'·sqrt(3) and x0 is its value then.
    opt.step({ b: new Float32Array([2]) });
    const lr = 1e-2 + 1e-6;
    const lamb = lr * Math.sqrt(3);
    const v = lamb * 4;
    const z = 3 - (lamb * 2) / (Math.cbrt(v) + 1e-6);
    assert.ok(Math.abs(b.value[0]! - (0.9 * 3 + 0.1 * z)) < 1e-6);
    assert.deepEqual([...opt.stateOf('b')!.x0!], [3]);
  });
});

describe('memory as the reference', () => {
  it('MADGRAD keeps grad_sum_sq, s and x0, and no x0 with momentum 0', () => {
    const w = param('w', [2], new Float32Array(2));
    const withMomentum = new Madgrad([w]);
    withMomentum.step({ w: new Float32Array([1, 1]) });
    assert.deepEqual(Object.keys(withMomentum.stateOf('w')!).sort(), ['grad_sum_sq', 's', 'x0']);
    const without = new Madgrad([w], { momentum: 0 });
    without.step({ w: new Float32Array([1, 1]) });
    assert.deepEqual(Object.keys(without.stateOf('w')!).sort(), ['grad_sum_sq', 's']);
  });

  it('MirrorMADGRAD keeps grad_sum_sq and z', () => {
    const opt = new MirrorMadgrad([param('w', [2], new Float32Array(2))]);
    opt.step({ w: new Float32Array([1, 1]) });
    assert.deepEqual(Object.keys(opt.stateOf('w')!).sort(), ['grad_sum_sq', 'z']);
  });
});
