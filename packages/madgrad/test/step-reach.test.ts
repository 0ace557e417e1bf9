import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Adagrad,
  Adam,
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  SgdMomentum,
  StateFormatError,
  type StatefulOptimizer,
} from '../src/index.js';
import { fingerprint, param } from './helpers.js';
import { craft, parseState } from './state-bytes.js';

/**
 * Wherever a step can reach, the optimizer's own checkpoint loads again, and a step refuses
 * rather than carry finite state to non-finite parameters: the first-step rule on starting
 * points, MirrorMADGRAD's learning-rate-aware gradient bound, SGD's bound on lr·|b|, and the
 * refusal of step weights beyond float32.
 */
const F32_MAX = 3.4028234663852886e38;

type Make = (p: Parameter[], kernels: 'js' | 'wasm') => StatefulOptimizer;

/** Steps `opt` with `g` and expects a refusal of class `type` matching `pattern`, nothing changed. */
function refused(
  opt: StatefulOptimizer,
  params: Parameter[],
  g: Float32Array,
  type: new (...a: never[]) => Error,
  pattern: RegExp,
): void {
  const before = fingerprint(opt, params);
  const k = opt.stepCount;
  assert.throws(
    () => opt.step({ w: g }),
    (e: unknown) => e instanceof type && pattern.test(e.message),
  );
  assert.equal(opt.stepCount, k);
  assert.equal(fingerprint(opt, params), before);
}

/** The checkpoint of `opt` loads into a fresh optimizer made by `make`. */
function reloads(opt: StatefulOptimizer, make: Make, kernels: 'js' | 'wasm'): void {
  const fresh = make([param('w', [2], new Float32Array(2))], kernels);
  fresh.loadState(opt.saveState());
  assert.equal(fresh.stepCount, opt.stepCount);
}

for (const kernels of ['js', 'wasm'] as const) {
  describe(`the first step's starting point (${kernels} kernels)`, () => {
    const cases: [string, Make][] = [
      ['madgrad', (p, k) => new Madgrad(p, { lr: 0.01, kernels: k })],
      ['madgrad, momentum 0', (p, k) => new Madgrad(p, { lr: 0.01, momentum: 0, kernels: k })],
      ['mirror-madgrad', (p, k) => new MirrorMadgrad(p, { lr: 0.01, kernels: k })],
    ];
    for (const [name, make] of cases) {
      it(`${name}: a parameter beyond ±FLOAT32_MAX/2 is refused, naming it, its index and value`, () => {
        const params = [param('w', [2], new Float32Array([1, -2e38]))];
        const opt = make(params, kernels);
        refused(
          opt,
          params,
          new Float32Array([1, 1]),
          InvalidParameterError,
          /"w" holds -1\.99\d*e\+38 at index 1.*1\.701e\+38/,
        );
        // At the limit itself it steps, and the checkpoint loads again.
        params[0]!.value[1] = -F32_MAX / 2;
        opt.step({ w: new Float32Array([1, 1]) });
        assert.ok(params[0]!.value.every(Number.isFinite));
        reloads(opt, make, kernels);
      });
    }

    it('madgrad: the issue case, 2e38 and one ordinary step, is refused', () => {
      const params = [param('w', [2], new Float32Array([2e38, 1]))];
      const opt = new Madgrad(params, { lr: 0.01, kernels });
      refused(opt, params, new Float32Array([1, 1]), InvalidParameterError, /index 0/);
    });
  });

  describe(`one step from fresh state stays finite (${kernels} kernels)`, () => {
    it('mirror-madgrad at lr 1e38: a gradient of 100 is refused, one of 1e-3 steps', () => {
      const params = [param('w', [2], new Float32Array([1, 1]))];
      const make: Make = (p, k) => new MirrorMadgrad(p, { lr: 1e38, kernels: k });
      const opt = make(params, kernels);
      refused(opt, params, new Float32Array([100, 1]), InvalidGradientError, /exceeds/);
      opt.step({ w: new Float32Array([1e-3, -1e-3]) });
      assert.ok(params[0]!.value.every(Number.isFinite));
      reloads(opt, make, kernels);
    });

    it('sgd at lr 1e30: a gradient of 1e10 is refused; at the bound the checkpoint loads', () => {
      const params = [param('w', [2], new Float32Array([1, 1]))];
      const make: Make = (p, k) => new SgdMomentum(p, { lr: 1e30, kernels: k });
      const opt = make(params, kernels);
      refused(opt, params, new Float32Array([1e10, 1]), InvalidGradientError, /exceeds/);
      // (1 − μ)·FLOAT32_MAX/(2·lr) = 1.7e7: 1.6e7 at every step keeps lr·|b| <= FLOAT32_MAX/2
      // (the parameters themselves leave float32 after a few such steps: nothing bounds them).
      opt.step({ w: new Float32Array([1.6e7, -1.6e7]) });
      assert.ok(params[0]!.value.every(Number.isFinite));
      for (let k = 0; k < 30; k++) {
        opt.step({ w: new Float32Array([1.6e7, -1.6e7]) });
        reloads(opt, make, kernels);
      }
    });

    for (const [name, make, lr] of [
      [
        'madgrad',
        (p: Parameter[], k: 'js' | 'wasm') => new Madgrad(p, { lr: 3e38, kernels: k }),
        3e38,
      ],
      [
        'mirror-madgrad',
        (p: Parameter[], k: 'js' | 'wasm') => new MirrorMadgrad(p, { lr: 3e38, kernels: k }),
        3e38,
      ],
    ] as const) {
      it(`${name} at lr ${lr}: step 1, whose weight is beyond float32, is refused`, () => {
        const params = [param('w', [2], new Float32Array([1, 1]))];
        const opt = make(params, kernels);
        opt.step({ w: new Float32Array([0, 0.01]) });
        assert.ok(params[0]!.value.every(Number.isFinite));
        refused(opt, params, new Float32Array([0, 0]), InvalidOptionError, /step k=1.*lr/);
      });
    }
  });
}

describe('baselines keep their checkpoints loadable', () => {
  it('adam and adagrad: gradients at the bound, the checkpoint loads after each step', () => {
    for (const make of [
      (p: Parameter[]) => new Adam(p, { lr: 1e30 }),
      (p: Parameter[]) => new Adagrad(p, { lr: 1e30 }),
    ]) {
      const params = [param('w', [2], new Float32Array([1, -1]))];
      const opt = make(params);
      opt.step({ w: new Float32Array([1.8e19, -1e-30]) });
      assert.ok(params[0]!.value.every(Number.isFinite));
      make([param('w', [2], new Float32Array(2))]).loadState(opt.saveState());
    }
  });
});

describe('a tiny eps', () => {
  it('an eps that float32 rounds to 0 (1e-50) is refused: the kernels would divide 0 by 0', () => {
    assert.throws(
      () => new Madgrad([param('w', [2], new Float32Array(2))], { eps: 1e-50 }),
      (e: unknown) => e instanceof InvalidOptionError && /eps/.test(e.message),
    );
  });

  it('with v = 0 the rule divides s by eps, as the next step does, below cbrt(2^-149)', () => {
    const make: Make = (p, k) => new Madgrad(p, { eps: 1e-40, momentum: 0, kernels: k });
    const opt = make([param('w', [2], new Float32Array([1, 1]))], 'js');
    opt.step({ w: new Float32Array([1, 1]) });
    const { header, floats } = parseState(opt.saveState());
    const at = (buffer: string) => header.tensors.find((t) => t.buffer === buffer)!.offset;
    floats[at('grad_sum_sq')] = 0;
    floats[at('s')] = 1e20; // 1e20 / 1e-40: a displacement of 1e60
    const fresh = make([param('w', [2], new Float32Array([1, 1]))], 'js');
    assert.throws(
      () => fresh.loadState(craft(header, floats)),
      (e: unknown) => e instanceof StateFormatError && /buffer s of "w"/.test(e.message),
    );
  });
});
