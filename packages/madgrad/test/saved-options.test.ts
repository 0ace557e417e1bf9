/**
 * Checkpoints and tfjs configs saved before issue 21 (Adam's β₁ was named `momentum`) still
 * load: test/fixtures/options-v0.1.0-states.json holds what version 0.1.0 saved. Adam's state is
 * checked against an independent Adam; the others against a run of today's code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  Adagrad,
  Adam,
  InvalidOptionError,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  SgdMomentum,
  StateFormatError,
  type StatefulOptimizer,
} from '../src/index.js';
import { encodeState } from '../src/optimizers/state-codec.js';
import { MadgradOptimizer, MirrorMadgradOptimizer } from '../src/tfjs/index.js';
import { param, ROOT } from './helpers.js';
import './tfjs-helpers.js';

interface SavedState {
  readonly options: Record<string, number | boolean>;
  readonly value: number[];
  readonly state: string;
}

interface Fixture {
  readonly initial: number[];
  readonly gradients: number[][];
  readonly states: Record<string, SavedState>;
  readonly tfjsConfigs: Record<string, Record<string, unknown>>;
}

const FIXTURE = JSON.parse(
  readFileSync(join(ROOT, 'test/fixtures/options-v0.1.0-states.json'), 'utf8'),
) as Fixture;

const bytesOf = (saved: SavedState) => new Uint8Array(Buffer.from(saved.state, 'base64'));
const w = (value: readonly number[]) => param('w', [3], new Float32Array(value));

/** Adam as PyTorch's, in float64 but for the float32 buffers: m, v and x after each step. */
function referenceAdam(
  gradients: readonly number[][],
  o: { lr: number; beta1: number; beta2: number; weightDecay: number; eps: number },
) {
  const x = Float32Array.from(FIXTURE.initial);
  const m = new Float32Array(3);
  const v = new Float32Array(3);
  gradients.forEach((g, t) => {
    for (let i = 0; i < 3; i++) {
      const gi = g[i]! + o.weightDecay * x[i]!;
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
      const mHat = m[i]! / (1 - o.beta1 ** (t + 1));
      const vHat = v[i]! / (1 - o.beta2 ** (t + 1));
      x[i] = x[i]! - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
  });
  return { x, m, v };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-6 * Math.max(1, Math.abs(expected[i]!));
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= tolerance,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

describe('Adam state saved with β₁ as momentum', () => {
  const saved = FIXTURE.states.adam!;
  const options = { lr: 0.01, beta1: 0.8, beta2: 0.99, weightDecay: 0.01, eps: 1e-8 };

  it('was saved under the former name', () => {
    assert.equal(saved.options.momentum, 0.8);
    assert.equal(saved.options.beta1, undefined);
  });

  it('loads with momentum read as beta1, and the buffers of that β₁', () => {
    const x = w(saved.value);
    const opt = new Adam([x]);
    opt.loadState(bytesOf(saved));
    assert.deepEqual(opt.groups[0], { ...options, decoupleDecay: false });
    assert.equal(opt.stepCount, 2);
    const reference = referenceAdam(FIXTURE.gradients, options);
    assertClose(saved.value, reference.x, 'saved x');
    assertClose(opt.stateOf('w')!.exp_avg!, reference.m, 'm');
    assertClose(opt.stateOf('w')!.exp_avg_sq!, reference.v, 'v');
  });

  it('goes on as an uninterrupted run with β₁ = 0.8', () => {
    const x = w(saved.value);
    const opt = new Adam([x], { kernels: 'js' });
    opt.loadState(bytesOf(saved));
    const next = [0.125, 2, -0.5];
    opt.step({ w: new Float32Array(next) });
    assertClose(x.value, referenceAdam([...FIXTURE.gradients, next], options).x, 'x');
  });

  it('is saved again under beta1, and loads back', () => {
    const opt = new Adam([w(saved.value)]);
    opt.loadState(bytesOf(saved));
    const again = new Adam([w(saved.value)]);
    again.loadState(opt.saveState());
    assert.equal(again.groups[0]!.beta1, 0.8);
    assert.equal('momentum' in again.groups[0]!, false);
  });

  it('refuses a state that gives β₁ under both names, leaving the optimizer as it was', () => {
    const snapshot = new Adam([w(saved.value)], { beta1: 0.8 }).snapshot();
    const both = encodeState({
      ...snapshot,
      groups: snapshot.groups.map((g) => ({ ...g, options: { ...g.options, momentum: 0.8 } })),
    });
    const opt = new Adam([w(saved.value)]);
    assert.throws(
      () => opt.loadState(both),
      (e: Error) =>
        e instanceof StateFormatError &&
        /option momentum is the former name of beta1: give beta1 only/.test(e.message),
    );
    assert.equal(opt.groups[0]!.beta1, 0.9);
  });
});

describe('Adam options: beta1, and momentum as its former name', () => {
  it('takes momentum as beta1 in the constructor, a group and setOptions', () => {
    const opt = new Adam([w([1, 2, 3])], { momentum: 0.7 });
    assert.equal(opt.groups[0]!.beta1, 0.7);
    assert.equal('momentum' in opt.groups[0]!, false);
    opt.setOptions({ momentum: 0.6 } as never);
    assert.equal(opt.groups[0]!.beta1, 0.6);
    const grouped = new Adam([{ params: [w([1, 2, 3])], momentum: 0.5 } as never]);
    assert.equal(grouped.groups[0]!.beta1, 0.5);
  });

  it('refuses both names, and a bad value under either', () => {
    assert.throws(
      () => new Adam([w([1, 2, 3])], { momentum: 0.7, beta1: 0.7 }),
      (e: Error) =>
        e instanceof InvalidOptionError &&
        e.message === 'option momentum is the former name of beta1: give beta1 only',
    );
    assert.throws(() => new Adam([w([1, 2, 3])], { momentum: 1 }), /option beta1 must be in/);
  });
});

describe('other checkpoints of version 0.1.0', () => {
  const make: Record<string, (p: Parameter[], o: Record<string, unknown>) => StatefulOptimizer> = {
    madgrad: (p, o) => new Madgrad(p, o),
    'mirror-madgrad': (p, o) => new MirrorMadgrad(p, o),
    'sgd-momentum': (p, o) => new SgdMomentum(p, o),
    adagrad: (p, o) => new Adagrad(p, o),
  };
  for (const [kind, build] of Object.entries(make)) {
    it(`${kind}: loads, and the same run saves the same bytes today`, () => {
      const saved = FIXTURE.states[kind]!;
      const loaded = build([w(saved.value)], {});
      loaded.loadState(bytesOf(saved));
      assert.deepEqual(loaded.groups[0], saved.options);
      const x = w(FIXTURE.initial);
      const rerun = build([x], { ...saved.options, kernels: 'js' });
      for (const g of FIXTURE.gradients) rerun.step({ w: new Float32Array(g) });
      assert.deepEqual(Array.from(x.value), saved.value);
      assert.deepEqual(rerun.saveState(), bytesOf(saved));
    });
  }
});

describe('madgrad/tfjs configs of version 0.1.0', () => {
  const classes = { madgrad: MadgradOptimizer, 'mirror-madgrad': MirrorMadgradOptimizer };
  for (const [kind, cls] of Object.entries(classes)) {
    it(`${kind}: builds from the saved config and saves it again unchanged`, () => {
      const saved = FIXTURE.tfjsConfigs[kind]!;
      const opt = cls.fromConfig(cls, saved as never) as InstanceType<typeof cls>;
      assert.deepEqual(opt.getConfig(), saved);
      opt.dispose();
    });
  }
});
