import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidGradientError, StateFormatError } from '../src/index.js';
import { madgrad, mirrorMadgrad, type NamedTensor } from '../src/tfjs/index.js';
import { randomArray, rng } from './helpers.js';
import { PATHS, saveToMemory, useBackend, values, variable } from './tfjs-helpers.js';

/**
 * `setWeights` against the state rule `loadState` applies: refused weights leave the optimizer
 * bitwise as it was and leak no tensor; the identity round trip and every iteration count up to
 * 2^48 come back exactly.
 */
type Opt = ReturnType<typeof madgrad>;

/** Every state value and the step counter, as text, for "nothing changed" checks. */
async function stateText(opt: Opt, names: string[]): Promise<string> {
  const parts = [`iter ${opt.iterations}`];
  for (const name of names) {
    const slot: Readonly<Record<string, tf.Variable>> | undefined = opt.stateOf(name);
    for (const b of Object.keys(slot ?? {}).sort()) {
      parts.push(
        `${name}/${b} ${Buffer.from(((await slot![b]!.data()) as Float32Array).buffer).toString('hex')}`,
      );
    }
  }
  return parts.join('\n');
}

function trained(random: () => number, momentum = 0.9) {
  const w = variable(randomArray(6, random), [2, 3], 'sw');
  const opt = madgrad(0.01, { momentum });
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor(randomArray(6, random), [2, 3]) }));
  }
  return { w, opt };
}

/** k as the [high, low] int32 pair, written out independently of the library. */
function iterPair(k: number): tf.Tensor {
  return tf.tensor1d([Math.floor(k / 2 ** 31), k - Math.floor(k / 2 ** 31) * 2 ** 31], 'int32');
}

async function iterOf(weights: NamedTensor[]): Promise<number> {
  const d = await weights[0]!.tensor.data();
  return d.length === 1 ? d[0]! : d[0]! * 2 ** 31 + d[1]!;
}

for (const pc of PATHS) {
  describe(`setWeights on ${pc.label}`, () => {
    it('takes back its own getWeights (the identity round trip), then steps as before', async () => {
      await useBackend(pc.backend);
      const random = rng(31);
      const { w, opt } = trained(random);
      const twin = madgrad(0.01);
      await twin.setWeights(
        (await opt.getWeights()).map((x) => ({ ...x, tensor: x.tensor.clone() })),
      );
      const before = await stateText(opt, [w.name]);
      const tensors = tf.memory().numTensors;
      await opt.setWeights(await opt.getWeights());
      // Some tensors of getWeights, some copies: the same.
      const mixed = await opt.getWeights();
      const copies = mixed.slice(2).map((x) => ({ ...x, tensor: x.tensor.clone() }));
      await opt.setWeights([...mixed.slice(0, 2), ...copies]);
      tf.dispose(copies.map((c) => c.tensor));
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(await stateText(opt, [w.name]), before);
      const g = tf.tensor(randomArray(6, random), [2, 3]);
      const w2 = variable(values(w), [2, 3], 'sw-twin');
      // The twin's state is keyed by w's name: step it on a copy of w under that name.
      opt.applyGradients({ [w.name]: g });
      const after = values(w);
      w.assign(w2);
      twin.applyGradients({ [w.name]: g });
      assert.deepEqual(values(w), after);
      tf.dispose([g, w, w2]);
      opt.dispose();
      twin.dispose();
    });

    it('refuses NaN, ±Infinity, negative sums of squares and unreachable points', async () => {
      await useBackend(pc.backend);
      const { w, opt } = trained(rng(32));
      const names = [w.name];
      const before = await stateText(opt, names);
      await opt.getWeights(); // its iteration tensor, kept from now on
      const tensors = tf.memory().numTensors;
      const cases: [string, number, RegExp][] = [
        ['grad_sum_sq', Number.NaN, /not finite/],
        ['s', Number.POSITIVE_INFINITY, /not finite/],
        ['x0', Number.NEGATIVE_INFINITY, /not finite/],
        ['grad_sum_sq', -5, /negative sum of squares/],
        ['x0', 3e38, /x0 of .* beyond/],
        ['s', 3e38, /cbrt\(grad_sum_sq\)/],
      ];
      for (const [buffer, value, pattern] of cases) {
        const weights = await opt.getWeights();
        const edited = weights.map((x) => {
          if (!x.name.endsWith(`/${buffer}`)) return x;
          const data = Float32Array.from(x.tensor.dataSync() as Float32Array);
          data[1] = value;
          return { name: x.name, tensor: tf.tensor(data, x.tensor.shape) };
        });
        await assert.rejects(
          opt.setWeights(edited),
          (e: unknown) => e instanceof StateFormatError && pattern.test(e.message),
        );
        tf.dispose(edited.filter((x, i) => x !== weights[i]).map((x) => x.tensor));
        assert.equal(await stateText(opt, names), before, `${buffer} = ${value}`);
        assert.equal(tf.memory().numTensors, tensors, `${buffer} = ${value}: leaked`);
      }
      opt.dispose();
      w.dispose();
    });

    it('refuses a disposed tensor, nulls and entries without tensors, changing nothing', async () => {
      await useBackend(pc.backend);
      const { w, opt } = trained(rng(33));
      const names = [w.name];
      const before = await stateText(opt, names);
      const weights = await opt.getWeights();
      const copies = weights.map((x) => ({ name: x.name, tensor: x.tensor.clone() }));
      copies[2]!.tensor.dispose();
      const tensors = tf.memory().numTensors;
      const bad: [unknown, RegExp][] = [
        [copies, /disposed/],
        [[null], /must be \{ name, tensor \}/],
        [[{ name: 'iter' }], /not a tensor/],
        [[{ name: 'iter', tensor: {} }], /not a tensor/],
        [[copies[0], null], /weight 1/],
        ['iter', /must start/],
      ];
      for (const [input, pattern] of bad) {
        await assert.rejects(
          opt.setWeights(input as NamedTensor[]),
          (e: unknown) => e instanceof StateFormatError && pattern.test(e.message),
        );
        assert.equal(await stateText(opt, names), before);
        assert.equal(tf.memory().numTensors, tensors);
      }
      tf.dispose(copies.map((c) => c.tensor));
      opt.dispose();
      w.dispose();
    });

    it('keeps every iteration count up to 2^48 exactly, and refuses the rest', async () => {
      await useBackend(pc.backend);
      const opt = mirrorMadgrad(0.01);
      const other = mirrorMadgrad(0.01);
      for (const k of [
        0,
        1,
        2 ** 24 + 1,
        2 ** 31 - 1,
        2 ** 31,
        2 ** 40 + 12345,
        2 ** 48 - 1,
        2 ** 48,
      ]) {
        const iter = k < 2 ** 31 ? tf.scalar(k, 'int32') : iterPair(k);
        await opt.setWeights([{ name: 'iter', tensor: iter }]);
        iter.dispose();
        assert.equal(opt.iterations, k);
        const weights = await opt.getWeights();
        assert.equal(await iterOf(weights), k);
        await other.setWeights(weights);
        assert.equal(other.iterations, k);
      }
      // Previous versions and tfjs's own optimizers: an int32 (or integral float32) scalar.
      for (const [tensor, k] of [
        [tf.scalar(7, 'int32'), 7],
        [tf.scalar(2 ** 30, 'float32'), 2 ** 30],
      ] as const) {
        await opt.setWeights([{ name: 'iter', tensor }]);
        assert.equal(opt.iterations, k);
        tensor.dispose();
      }
      for (const tensor of [
        tf.scalar(1e38),
        tf.scalar(2 ** 49),
        tf.scalar(-2147483648, 'int32'),
        tf.scalar(1.5),
        iterPair(2 ** 48 + 1),
        tf.tensor1d([-1, 5], 'int32'),
        tf.tensor1d([1, 2, 3], 'int32'),
      ]) {
        await assert.rejects(opt.setWeights([{ name: 'iter', tensor }]), StateFormatError);
        assert.equal(opt.iterations, 2 ** 30);
        tensor.dispose();
      }
      opt.dispose();
      other.dispose();
    });

    it('refuses a step past 2^48, as the core does', async () => {
      await useBackend(pc.backend);
      const w = variable([1, 2], [2], 'cap');
      const opt = madgrad(0.01, { path: pc.path });
      const iter = iterPair(2 ** 48);
      await opt.setWeights([{ name: 'iter', tensor: iter }]);
      const g = tf.tensor1d([0.5, 0.5]);
      assert.throws(() => opt.applyGradients({ [w.name]: g }), InvalidGradientError);
      assert.equal(opt.iterations, 2 ** 48);
      assert.deepEqual([...values(w)], [1, 2]);
      tf.dispose([iter, g, w]);
      opt.dispose();
    });
  });
}

describe('loading a model with its optimizer weights', () => {
  it('applies the same rule: a negative grad_sum_sq in the saved weights is refused', async () => {
    await useBackend('cpu');
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: madgrad(0.01), loss: 'meanSquaredError' });
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.tensor2d([[1], [2]]);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    const artifacts = await saveToMemory(model);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    assert.equal(loaded.optimizer.iterations, 1);
    // Edit the first grad_sum_sq float of the optimizer's weights.
    const specs = artifacts.weightSpecs!;
    let offset = 0;
    for (const spec of specs) {
      const size = spec.shape.reduce((a, b) => a * b, 1) * 4;
      if (spec.group === 'optimizer' && spec.name.endsWith('/grad_sum_sq')) break;
      offset += size;
    }
    const data = (artifacts.weightData as ArrayBuffer).slice(0);
    new Float32Array(data, offset, 1)[0] = -5;
    await assert.rejects(
      tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightData: data })),
      (e: unknown) => e instanceof StateFormatError && /negative sum of squares/.test(e.message),
    );
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });
});
