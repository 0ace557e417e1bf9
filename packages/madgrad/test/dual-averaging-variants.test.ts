import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DUAL_AVERAGING_VARIANTS,
  DualAveragingVariant,
  type DualAveragingVariantName,
} from '../src/experimental.js';
import { InvalidOptionError, Madgrad } from '../src/index.js';
import { param, randomArray, rng } from './helpers.js';

// x0 = 1, lr = 0.1, eps = 0, gradients 2 then −1. Expected values worked out by hand from the
// formulas (e.g. da-weighted, step 2: s = 0.2 − 0.1·sqrt(2) = 0.0585786, x = 1 − s/sqrt(2)).
const HAND: Record<DualAveragingVariantName, [number, number]> = {
  da: [0.8, 0.929289322],
  'adagrad-da': [0.9, 0.95527864],
  'da-weighted': [0.8, 0.958578644],
  'madgrad-sqrt-unweighted': [0.9, 0.973802834],
  'madgrad-sqrt-weighted': [0.683772234, 0.920389267],
};

describe('dual averaging variants (the ablation)', () => {
  for (const [name, expected] of Object.entries(HAND)) {
    it(`${name} takes the hand-computed steps`, () => {
      const x = param('x', [], new Float32Array([1]));
      const opt = new DualAveragingVariant(name as DualAveragingVariantName, [x], {
        lr: 0.1,
        eps: 0,
      });
      opt.step({ x: new Float32Array([2]) });
      assert.ok(Math.abs(x.value[0]! - expected[0]) < 1e-6, `step 1: ${x.value[0]}`);
      opt.step({ x: new Float32Array([-1]) });
      assert.ok(Math.abs(x.value[0]! - expected[1]) < 1e-6, `step 2: ${x.value[0]}`);
    });
  }

  it('the cube-root combination is MADGRAD (checked against the Madgrad class)', () => {
    for (const momentum of [0, 0.9]) {
      const random = rng(3);
      const init = randomArray(33, random);
      const a = param('w', [33], init.slice());
      const b = param('w', [33], init.slice());
      const variant = new DualAveragingVariant(
        { weighting: 'sqrt', denominator: 'cbrt-weighted-sum' },
        [a],
        {
          momentum,
          weightDecay: 1e-3,
        },
      );
      const madgrad = new Madgrad([b], { momentum, weightDecay: 1e-3 });
      for (let k = 0; k < 50; k++) {
        const g = randomArray(33, random);
        variant.step({ w: g });
        madgrad.step({ w: g });
      }
      for (let i = 0; i < 33; i++) {
        assert.ok(
          Math.abs(a.value[i]! - b.value[i]!) <= 1e-6 + 1e-4 * Math.abs(b.value[i]!),
          `momentum ${momentum} [${i}]`,
        );
      }
    }
  });

  it('keeps the buffers it needs and checkpoints like the others', () => {
    const x = param('x', [2], new Float32Array([1, 2]));
    const da = new DualAveragingVariant('da', [x]);
    da.step({ x: new Float32Array([1, 1]) });
    assert.deepEqual(Object.keys(da.stateOf('x')!).sort(), ['s', 'x0']);
    const y = param('x', [2], x.value.slice());
    const restored = new DualAveragingVariant('da', [y]);
    restored.loadState(da.saveState());
    da.step({ x: new Float32Array([0.5, -1]) });
    restored.step({ x: new Float32Array([0.5, -1]) });
    assert.deepEqual([...y.value], [...x.value]);
    assert.throws(
      () => new DualAveragingVariant('adagrad-da', [y]).loadState(da.saveState()),
      /is for "dual-averaging:constant:step"/,
    );
  });

  it('rejects unknown variants', () => {
    assert.throws(
      () => new DualAveragingVariant('nope' as never, [param('x', [], new Float32Array(1))]),
      InvalidOptionError,
    );
    // The named variants: each a different (weighting, denominator), the paper's first two there.
    const kinds = Object.keys(DUAL_AVERAGING_VARIANTS).map(
      (name) => new DualAveragingVariant(name as never, [param('x', [], new Float32Array(1))]).kind,
    );
    assert.equal(new Set(kinds).size, kinds.length, `${kinds}`);
    for (const kind of kinds) assert.match(kind, /^dual-averaging:(constant|sqrt):[a-z-]+$/);
    assert.ok(kinds.includes('dual-averaging:constant:step'), 'plain dual averaging');
    assert.ok(kinds.includes('dual-averaging:constant:sqrt-sum'), 'AdaGrad-DA');
  });
});
