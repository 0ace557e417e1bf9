import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_STEP_COUNT } from '../src/experimental.js';
import {
  Adam,
  allocateKernelArray,
  InvalidGradientError,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  SgdMomentum,
  StateFormatError,
  type StatefulOptimizer,
} from '../src/index.js';
import { madgradGradientLimit, mirrorGradientLimit } from '../src/maths/gradient-limits.js';
import { fingerprint, param, randomArray, rng } from './helpers.js';
import { craft, parseState } from './state-bytes.js';

/**
 * The state rule (maths/state-limits.ts) on `loadState`: finite state that no run reaches, which
 * would carry the next step to ±Infinity, is refused; state at the rule's edges loads, and the
 * next step with gradients at their limit stays finite in the TypeScript and WebAssembly kernels
 * alike, which agree.
 */
const F32_MAX = 3.4028234663852886e38;
/** The rule's bounds, written out here (not imported): FLOAT32_MAX / 2 and FLOAT32_MAX / 8. */
const POSITION = F32_MAX / 2;
const DISPLACEMENT = F32_MAX / 8;

type Build = (p: Parameter[], kernels: 'js' | 'wasm') => StatefulOptimizer;

function trained(build: Build): { bytes: Uint8Array; build: Build } {
  const random = rng(3);
  const opt = build([param('w', [5], randomArray(5, random))], 'js');
  for (let k = 0; k < 2; k++) opt.step({ w: randomArray(5, random) });
  return { bytes: opt.saveState(), build };
}

/** The checkpoint with buffer `buffer`'s entry `index` set to `value`. */
function edited(bytes: Uint8Array, edits: [string, number, number][]): Uint8Array {
  const { header, floats } = parseState(bytes);
  for (const [buffer, index, value] of edits) {
    floats[header.tensors.find((t) => t.buffer === buffer)!.offset + index] = value;
  }
  return craft(header, floats);
}

function refusedBy(build: Build, bytes: Uint8Array, pattern: RegExp): void {
  const params = [param('w', [5], new Float32Array(5).fill(0.5))];
  const opt = build(params, 'js');
  opt.step({ w: new Float32Array(5).fill(0.1) });
  const before = fingerprint(opt, params);
  assert.throws(
    () => opt.loadState(bytes),
    (e: unknown) => e instanceof StateFormatError && pattern.test(e.message),
  );
  assert.equal(fingerprint(opt, params), before);
}

const madgrad: Build = (p, kernels) => new Madgrad(p, { kernels });
const madgradNoMomentum: Build = (p, kernels) => new Madgrad(p, { kernels, momentum: 0 });
const mirror: Build = (p, kernels) => new MirrorMadgrad(p, { kernels });

describe('the state rule in loadState', () => {
  it('refuses finite state no run reaches: s = 3e38 with v = 0, x0 = 3e38, z = 3e38', () => {
    const m = trained(madgrad).bytes;
    refusedBy(
      madgrad,
      edited(m, [
        ['s', 1, 3e38],
        ['grad_sum_sq', 1, 0],
      ]),
      /s of "w".*\/ \(cbrt/,
    );
    refusedBy(madgrad, edited(m, [['x0', 2, 3e38]]), /x0 of "w" holds 3\.0*\d*e\+38 at index 2/);
    refusedBy(madgrad, edited(m, [['x0', 0, -1.8e38]]), /no step produces/);
    const z = trained(madgradNoMomentum).bytes;
    refusedBy(madgradNoMomentum, edited(z, [['s', 0, 3e38]]), /no step produces/);
    refusedBy(mirror, edited(trained(mirror).bytes, [['z', 4, -3e38]]), /z of "w"/);
  });

  it('refuses the baselines’ unreachable buffers: SGD momentum 3e38, Adam exp_avg 3e38', () => {
    const sgd: Build = (p) => new SgdMomentum(p);
    refusedBy(sgd, edited(trained(sgd).bytes, [['momentum_buffer', 0, 3e38]]), /momentum_buffer/);
    const sgdFast: Build = (p) => new SgdMomentum(p, { lr: 1e6 });
    refusedBy(sgdFast, edited(trained(sgdFast).bytes, [['momentum_buffer', 0, 1e33]]), /lr/);
    const adam: Build = (p) => new Adam(p);
    refusedBy(adam, edited(trained(adam).bytes, [['exp_avg', 3, 3e38]]), /exp_avg of "w"/);
  });

  it('loads state at the rule’s edges; the next step stays finite, js and wasm agreeing', () => {
    const random = rng(11);
    const below = (x: number) => Math.fround(x * (1 - 2 ** -20));
    for (const [kind, options] of [
      ['madgrad', {}],
      ['madgrad', { momentum: 0 }],
      ['madgrad', { eps: 0, lr: 1e3 }],
      ['madgrad', { momentum: 0.5, eps: 1e-2 }],
      ['mirror', {}],
      ['mirror', { lr: 1e-4, momentum: 0 }],
    ] as const) {
      for (let trial = 0; trial < 20; trial++) {
        const n = 37;
        const sign = () => (random() < 0.5 ? -1 : 1);
        const isMadgrad = kind === 'madgrad';
        const make = (p: Parameter[], kernels: 'js' | 'wasm') =>
          isMadgrad
            ? new Madgrad(p, { ...options, kernels })
            : new MirrorMadgrad(p, { ...options, kernels });
        const source = make([param('w', [n], new Float32Array(n))], 'js');
        source.step({ w: new Float32Array(n).fill(1) });
        const { header, floats } = parseState(source.saveState());
        const eps = source.groups[0]!.eps;
        const at = (b: string) => header.tensors.find((t) => t.buffer === b)?.offset ?? -1;
        for (let i = 0; i < n; i++) {
          const v = random() < 0.3 ? 0 : 10 ** (-40 + 78 * random());
          floats[at('grad_sum_sq') + i] = v;
          const rms = Math.max(Math.cbrt(Math.fround(v)) + eps, Math.cbrt(2 ** -149));
          const displacement = Math.min(DISPLACEMENT * rms * random() ** 0.1, F32_MAX);
          if (isMadgrad) floats[at('s') + i] = sign() * below(displacement);
          const point = sign() * below(POSITION * random() ** 0.05);
          if (at('x0') >= 0) floats[at('x0') + i] = point;
          if (at('z') >= 0) floats[at('z') + i] = point;
        }
        const bytes = craft(header, floats);
        const start = Float32Array.from({ length: n }, () => sign() * below(POSITION * random()));
        const runs = (['js', 'wasm'] as const).map((kernels) => {
          const value = kernels === 'wasm' ? allocateKernelArray(n) : new Float32Array(n);
          value.set(start);
          const opt = make([param('w', [n], value)], kernels);
          opt.loadState(bytes);
          const o = opt.groups[0]!;
          const limit = isMadgrad
            ? madgradGradientLimit(o, opt.stepCount)
            : mirrorGradientLimit(o, opt.stepCount);
          const g = new Float32Array(n).map(
            (_, i) => (i % 3 === 0 ? limit : limit * random()) * (i % 2 ? -1 : 1),
          );
          opt.step({ w: g });
          return value;
        });
        const what = `${kind} ${JSON.stringify(options)} trial ${trial}`;
        for (let i = 0; i < n; i++) {
          const [a, b] = [runs[0]![i]!, runs[1]![i]!];
          assert.ok(Number.isFinite(a) && Number.isFinite(b), `${what}[${i}]: js ${a}, wasm ${b}`);
          // Relative to the inputs' scale: both add terms near 1e38 in their own precision.
          assert.ok(Math.abs(a - b) <= 1e-5 * F32_MAX, `${what}[${i}]: js ${a}, wasm ${b}`);
        }
      }
    }
  });
});

describe('the step counter at MAX_STEP_COUNT', () => {
  it('a step never carries k past 2^48, so saveState always loads again', () => {
    const { header, floats } = parseState(trained(madgrad).bytes);
    for (const k of [MAX_STEP_COUNT - 1, MAX_STEP_COUNT]) {
      const params = [param('w', [5], new Float32Array(5).fill(1))];
      const opt = new Madgrad(params, { kernels: 'js' });
      opt.loadState(craft({ ...header, k }, floats));
      const g = { w: new Float32Array(5).fill(0.5) };
      if (k < MAX_STEP_COUNT) opt.step(g);
      assert.equal(opt.stepCount, MAX_STEP_COUNT);
      const before = fingerprint(opt, params);
      assert.throws(
        () => opt.step(g),
        (e: unknown) => e instanceof InvalidGradientError && /2\^48/.test(e.message),
      );
      assert.equal(fingerprint(opt, params), before);
      const again = new Madgrad([param('w', [5], new Float32Array(5))], { kernels: 'js' });
      again.loadState(opt.saveState());
      assert.equal(again.stepCount, MAX_STEP_COUNT);
    }
  });
});
