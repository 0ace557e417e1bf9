import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DualAveragingVariant } from '../src/experimental.js';
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
  type StatefulOptimizer,
} from '../src/index.js';
import { madgradGradientLimit, mirrorGradientLimit } from '../src/maths/gradient-limits.js';
import { MADGRAD_DEFAULTS, MIRROR_MADGRAD_DEFAULTS } from '../src/maths/options.js';
import { fingerprint, param } from './helpers.js';

const KERNELS = ['js', 'wasm'] as const;

/** `run` must throw `type` matching `pattern` and change nothing observable (step counter included). */
function refusedStep(
  opt: StatefulOptimizer,
  params: readonly Parameter[],
  run: () => void,
  type: new (...args: never[]) => Error,
  pattern: RegExp,
): void {
  const before = fingerprint(opt, params);
  const k = opt.stepCount;
  assert.throws(run, (e: unknown) => e instanceof type && pattern.test((e as Error).message));
  assert.equal(opt.stepCount, k);
  assert.equal(fingerprint(opt, params), before);
}

describe('step refuses containers other than the documented record', () => {
  for (const kernels of KERNELS) {
    it(`${kernels}: Map, array, class instance, null, a string`, () => {
      const w = param('w', [2], new Float32Array([1, 2]));
      const opt = new Madgrad([w], { kernels });
      opt.step({ w: new Float32Array([0.1, 0.2]) });
      const g = new Float32Array([0.5, -0.5]);
      class Gradients {
        w = g;
      }
      for (const bad of [new Map([['w', g]]), [g], new Gradients(), null, 'w']) {
        refusedStep(opt, [w], () => opt.step(bad as never), InvalidGradientError, /plain record/);
      }
      opt.step(Object.assign(Object.create(null), { w: g })); // a null-prototype record is fine
      assert.equal(opt.stepCount, 2);
    });
  }
});

describe('step refuses a parameter whose array lost its declared size', () => {
  it('a transferred buffer (length 0), before anything changes', () => {
    const w = param('w', [3], new Float32Array([1, 2, 3]));
    const b = param('b', [1], new Float32Array([4]));
    const opt = new Madgrad([b, w], { kernels: 'js' });
    opt.step({ w: new Float32Array(3).fill(0.1), b: new Float32Array([0.1]) });
    structuredClone(w.value.buffer, { transfer: [w.value.buffer as ArrayBuffer] });
    assert.equal(w.value.length, 0);
    refusedStep(
      opt,
      [b],
      () => opt.step({ b: new Float32Array([0.1]), w: new Float32Array(3) }),
      InvalidParameterError,
      /now has 0 elements, not the 3/,
    );
  });
});

describe('parameters sharing memory are refused at construction', () => {
  const buffer = new ArrayBuffer(64);
  const a = param('a', [8], new Float32Array(buffer, 0, 8));
  it('the same Float32Array twice', () => {
    assert.throws(
      () => new Madgrad([a, param('b', [8], a.value)]),
      (e: unknown) => e instanceof InvalidParameterError && /"a" and "b" share memory/.test(`${e}`),
    );
  });
  it('overlapping ranges of one ArrayBuffer, across groups', () => {
    const b = param('b', [4], new Float32Array(buffer, 28, 4));
    assert.throws(() => new MirrorMadgrad([{ params: [b] }, { params: [a] }]), /share memory/);
  });
  it('adjacent ranges are fine', () => {
    const b = param('b', [8], new Float32Array(buffer, 32, 8));
    const opt = new Madgrad([a, b]);
    assert.equal(opt.groupParameterNames[0]!.length, 2);
  });
});

describe('options beyond float32 are refused, naming option and value', () => {
  const w = () => [param('w', [1], new Float32Array(1))];
  const cases: [Record<string, number>, RegExp][] = [
    [{ lr: 1e39 }, /option lr is 1e\+39/],
    [{ eps: 1e300 }, /option eps is 1e\+300/],
    [{ weightDecay: 1e300 }, /option weightDecay is 1e\+300/],
    [{ lr: 3e38, eps: 1e38 }, /lr \+ eps/],
    [{ lr: 1e20, weightDecay: 1e20 }, /weightDecay/],
  ];
  for (const [options, pattern] of cases) {
    it(`${JSON.stringify(options)}: constructor, setOptions, and every optimizer`, () => {
      assert.throws(
        () => new Madgrad(w(), options),
        (e: unknown) => {
          return e instanceof InvalidOptionError && pattern.test(e.message);
        },
      );
      assert.throws(() => new MirrorMadgrad(w(), options), InvalidOptionError);
      assert.throws(() => new Adam(w(), options), InvalidOptionError);
      const opt = new Madgrad(w());
      assert.throws(() => opt.setOptions(options), pattern);
      assert.deepEqual(opt.groups[0], { ...MADGRAD_DEFAULTS });
    });
  }
  it('the largest float32 itself is accepted', () => {
    new Madgrad(w(), { lr: 0, eps: 3.4028234663852886e38 });
  });
});

describe('a finite gradient that would overflow the float32 accumulator is refused', () => {
  const limitMadgrad = madgradGradientLimit(MADGRAD_DEFAULTS, 0);
  const limitMirror = mirrorGradientLimit(MIRROR_MADGRAD_DEFAULTS, 0);
  it('the limits: about 1.8e20 (MADGRAD, defaults, k = 0) and 1.8e19 (MirrorMADGRAD)', () => {
    assert.ok(limitMadgrad > 1.83e20 && limitMadgrad < 1.85e20, `${limitMadgrad}`);
    assert.ok(limitMirror > 1.83e19 && limitMirror < 1.85e19, `${limitMirror}`);
    assert.equal(Math.fround(limitMadgrad), limitMadgrad);
    // It shrinks as λ_k = lr'·sqrt(k + 1) grows.
    const later = madgradGradientLimit(MADGRAD_DEFAULTS, 9999);
    assert.ok(Math.abs(later / limitMadgrad - 0.1) < 1e-3);
  });

  for (const kernels of KERNELS) {
    for (const [name, build, limit] of [
      ['madgrad', (p: Parameter[]) => new Madgrad(p, { kernels }), limitMadgrad],
      ['mirror-madgrad', (p: Parameter[]) => new MirrorMadgrad(p, { kernels }), limitMirror],
    ] as const) {
      it(`${name} on ${kernels} kernels: refused before anything changes; the limit itself is fine`, () => {
        const n = 37; // the wasm scan's SIMD body and its tail
        const w = param('w', [n], new Float32Array(n).fill(0.5));
        const opt = build([w]);
        opt.step({ w: new Float32Array(n).fill(1) });
        for (const at of [0, 20, n - 1]) {
          const g = new Float32Array(n).fill(1);
          g[at] = 1.5 * limit;
          g[(at + 5) % n] = -5e20; // the largest entry, named in the message
          refusedStep(
            opt,
            [w],
            () => opt.step({ w: g }),
            InvalidGradientError,
            /"w": gradient entry .* \(largest entry -5\.\d+e\+20\) exceeds/,
          );
        }
        const limitAtK = name === 'madgrad' ? madgradGradientLimit(MADGRAD_DEFAULTS, 1) : limit;
        const g = new Float32Array(n).fill(limitAtK);
        g[3] = -limitAtK;
        opt.step({ w: g });
        const v = opt.stateOf('w')!.grad_sum_sq!;
        assert.ok(v.every(Number.isFinite), 'v stays finite at the limit');
        // The coordinate still moves: a later ordinary step changes it.
        const before = w.value.slice();
        opt.step({ w: new Float32Array(n).fill(-1e18) });
        assert.ok(w.value.every((x, i) => x !== before[i]));
      });
    }
  }

  it('row-sparse gradients are checked against the same limit', () => {
    const w = param('w', [3, 2], new Float32Array(6));
    const opt = new Madgrad([w], { momentum: 0, kernels: 'js' });
    refusedStep(
      opt,
      [w],
      () => opt.step({ w: { indices: [1], values: new Float32Array([1, 4e20]) } }),
      InvalidGradientError,
      /4\.\d+e\+20 in row 1/,
    );
  });

  it('the baselines refuse what would overflow their accumulators', () => {
    const huge = new Float32Array([1, 5e20]);
    const builds: [string, (p: Parameter[]) => StatefulOptimizer][] = [
      ['adagrad', (p) => new Adagrad(p)],
      ['adam', (p) => new Adam(p)],
      ['sgd (momentum 0.9: |b| <= |g| / 0.1)', (p) => new SgdMomentum(p)],
      ['adagrad-da', (p) => new DualAveragingVariant('adagrad-da', p)],
      ['madgrad-sqrt-weighted', (p) => new DualAveragingVariant('madgrad-sqrt-weighted', p)],
    ];
    for (const [name, build] of builds) {
      const w = param('w', [2], new Float32Array(2));
      const opt = build([w]);
      const g = name.startsWith('sgd') ? new Float32Array([1, 3.3e38]) : huge;
      refusedStep(opt, [w], () => opt.step({ w: g }), InvalidGradientError, /exceeds/);
      opt.step({ w: new Float32Array([1, 1e18]) });
      assert.ok(
        Object.values(opt.stateOf('w')!).every((b) => b.every(Number.isFinite)),
        `${name}: state finite`,
      );
    }
  });
});
