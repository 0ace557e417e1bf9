import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidGradientError, Madgrad, type Parameter } from '../src/index.js';
import {
  DUAL_AVERAGING_VARIANTS,
  DualAveragingVariant,
} from '../src/optimizers/dual-averaging-variants.js';
import { CoreOptimizerAdapter } from '../src/tfjs/core-optimizer-adapter.js';
import { rng } from './helpers.js';
import { useBackend, variable } from './tfjs-helpers.js';

const SHAPES = [[3, 4], [5]] as const;
const STEPS = 6;
const LRS = [0.1, 0.1, 0.05, 0.05, 0.02, 0.02];

function data(seed: number) {
  const random = rng(seed);
  const fill = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
  const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
  return {
    initial: sizes.map(fill),
    grads: Array.from({ length: STEPS }, () => sizes.map(fill)),
  };
}

/** The core optimizer stepped directly over Float32Array copies: the independent reference. */
function runCore(
  make: (params: Parameter[]) => {
    step(g: Record<string, Float32Array>): void;
    setLr(lr: number): void;
  },
  d: ReturnType<typeof data>,
): Float32Array[] {
  const params = d.initial.map((v, i) => ({
    name: `p${i}`,
    shape: [...SHAPES[i]!],
    value: v.slice(),
  }));
  const opt = make(params);
  d.grads.forEach((g, k) => {
    opt.setLr(LRS[k]!);
    opt.step(Object.fromEntries(g.map((x, i) => [`p${i}`, x])));
  });
  return params.map((p) => p.value);
}

/** The same steps through the adapter on tfjs variables. */
function runAdapter(
  factory: (params: Parameter[]) => DualAveragingVariant | Madgrad,
  d: ReturnType<typeof data>,
): { values: Float32Array[]; leaked: number } {
  const vars = d.initial.map((v, i) => variable(v, [...SHAPES[i]!], 'adapter'));
  const opt = new CoreOptimizerAdapter(factory, { learningRate: LRS[0] });
  const before = tf.memory().numTensors;
  let afterFirst = 0;
  d.grads.forEach((g, k) => {
    opt.setLearningRate(LRS[k]!);
    const tensors = g.map((x, i) => tf.tensor(x, [...SHAPES[i]!]));
    opt.applyGradients(Object.fromEntries(tensors.map((t, i) => [vars[i]!.name, t])));
    for (const t of tensors) t.dispose();
    if (k === 0) afterFirst = tf.memory().numTensors;
  });
  // The first step may create the iteration counter; after that no step may leave a tensor.
  const leaked = tf.memory().numTensors - afterFirst;
  assert.ok(afterFirst - before <= 1, `the first step left ${afterFirst - before} tensors`);
  const values = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  assert.equal(opt.iterations, STEPS);
  opt.dispose();
  for (const v of vars) v.dispose();
  return { values, leaked };
}

describe('CoreOptimizerAdapter: any core optimizer as a tfjs optimizer', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: every dual-averaging variant steps exactly as the core optimizer, with lr changes and no leaks`, async () => {
      await useBackend(backend);
      for (const name of Object.keys(
        DUAL_AVERAGING_VARIANTS,
      ) as (keyof typeof DUAL_AVERAGING_VARIANTS)[]) {
        const d = data(name.length * 7 + 3);
        const make = (params: Parameter[]) =>
          new DualAveragingVariant(name, params, { lr: LRS[0] });
        const expected = runCore(make, d);
        const { values, leaked } = runAdapter(make, d);
        assert.equal(leaked, 0, `${name}: tensors leaked`);
        values.forEach((v, i) => assert.deepEqual([...v], [...expected[i]!], `${name} p${i}`));
        // The steps moved the parameters (the comparison is not vacuous).
        assert.notDeepEqual([...expected[0]!], [...d.initial[0]!]);
      }
    });
  }

  it('wraps MADGRAD (with momentum) as well', async () => {
    await useBackend('cpu');
    const d = data(99);
    const make = (params: Parameter[]) => new Madgrad(params, { lr: LRS[0], kernels: 'js' });
    const expected = runCore(make, d);
    const { values } = runAdapter(make, d);
    values.forEach((v, i) => assert.deepEqual([...v], [...expected[i]!]));
  });

  it('skips null gradients, rejects unknown and late variables, and validates the learning rate', async () => {
    await useBackend('cpu');
    const a = variable([1, 2], [2], 'adapter');
    const b = variable([3], [1], 'adapter');
    const opt = new CoreOptimizerAdapter(
      (params) => new DualAveragingVariant('da', params, { lr: 0.5 }),
    );
    const g = tf.tensor1d([1, 1]);
    opt.applyGradients({ [a.name]: g, [b.name]: null as unknown as tf.Tensor });
    assert.deepEqual([...b.dataSync()], [3]);
    // DA, first step: x = x0 − λ·g / sqrt(1) with λ = lr + eps (MADGRAD's lr').
    const lam = Math.fround(0.5 + 1e-6);
    assert.deepEqual([...a.dataSync()], [Math.fround(1 - lam), Math.fround(2 - lam)]);
    assert.throws(() => opt.applyGradients({ nope: g }), /no variable named "nope"/);
    const c = variable([0], [1], 'adapter');
    assert.throws(
      () => opt.applyGradients({ [c.name]: tf.tensor1d([1]) }),
      /not present at the first step/,
    );
    assert.throws(
      () => opt.applyGradients({ [a.name]: tf.tensor1d([1, 2, 3]) }),
      /has shape \[3\]/,
    );
    assert.throws(() => opt.setLearningRate(Number.NaN), /learning rate/);
    opt.dispose();
    for (const t of [a, b, c, g]) t.dispose();
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: a snapshot of a variable (tf.clone) keeps its values across later steps`, async () => {
      await useBackend(backend);
      const w = variable([1, 1], [2], 'adapter');
      const opt = new CoreOptimizerAdapter(
        (params) => new Madgrad(params, { lr: 0.1, kernels: 'js' }),
      );
      const g = tf.tensor1d([1, -1]);
      opt.applyGradients({ [w.name]: g });
      const snapshot = tf.clone(w);
      const expected = Float32Array.from(snapshot.dataSync() as Float32Array);
      opt.applyGradients({ [w.name]: g });
      assert.notDeepEqual([...w.dataSync()], [...expected], 'the second step moved the variable');
      assert.deepEqual([...snapshot.dataSync()], [...expected], 'the snapshot changed');
      opt.dispose();
      tf.dispose([w, g, snapshot]);
    });
  }

  it('a step that throws inside minimize leaves no tensor behind', async () => {
    await useBackend('cpu');
    const w = variable([1, 2], [2], 'adapter');
    const opt = new CoreOptimizerAdapter(
      (params) => new Madgrad(params, { lr: 0.1, kernels: 'js' }),
    );
    const loss = () => tf.sum(tf.mul(w, tf.scalar(Number.NaN))) as tf.Scalar;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) assert.throws(() => opt.minimize(loss), InvalidGradientError);
    assert.equal(tf.memory().numTensors, before);
    opt.dispose();
    w.dispose();
  });
});
