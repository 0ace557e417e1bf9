import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Madgrad, MirrorMadgrad } from '../src/index.js';
import {
  InvalidGradientError,
  InvalidOptionError,
  inverseSqrt,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  madgrad,
  mirrorMadgrad,
  StateFormatError,
} from '../src/tfjs/index.js';
import { bitwiseEqual, randomArray, rng } from './helpers.js';
import { Madgrad64 } from './reference-f64.js';
import { assertClose, PATHS, useBackend, values, variable } from './tfjs-helpers.js';

const random = rng(7);

for (const pc of PATHS) {
  describe(`tfjs optimizers on ${pc.label}`, () => {
    const opts = { path: pc.path };

    it('first step matches the closed form, with global-norm clipping and decoupled decay', async () => {
      await useBackend(pc.backend);
      // One MADGRAD step from p0 with momentum β: v = λg², s = λg, z = p0 − λg/(cbrt(λg²)+eps),
      // p1 = β p0 + (1−β) z − lr'·wd·p0 (decoupled), λ = lr' = lr + eps at k = 0.
      const lr = 0.05;
      const eps = 1e-6;
      const wd = 0.1;
      const beta = 0.9;
      const clip = 0.5;
      const a0 = [0.5, -1, 2];
      const b0 = [3, -0.25];
      const ga = [0.3, -0.4, 0];
      const gb = [1.2, 0.0];
      const norm = Math.sqrt([...ga, ...gb].reduce((s, x) => s + x * x, 0));
      const scale = Math.min(1, clip / (norm + 1e-6)); // PyTorch clip_grad_norm_
      const a = variable(a0, [3]);
      const b = variable(b0, [2]);
      const opt = madgrad(lr, { ...opts, weightDecay: wd, decoupleDecay: true, clipNorm: clip });
      opt.applyGradients({ [a.name]: tf.tensor(ga), [b.name]: tf.tensor(gb) });
      const lamb = lr + eps;
      const expect = (p: number[], g: number[]) =>
        Float32Array.from(p, (p0, i) => {
          const gi = Math.fround(Math.fround(g[i]!) * scale);
          const z = p0 - (lamb * gi) / (Math.cbrt(lamb * gi * gi) + eps);
          return beta * p0 + (1 - beta) * z - lamb * wd * p0;
        });
      assertClose(values(a), expect(a0, ga), 'a');
      assertClose(values(b), expect(b0, gb), 'b');
      opt.dispose();
      tf.dispose([a, b]);
    });

    it('minimize, applyGradients with a map and with an array follow MADGRAD computed by hand in float64', async () => {
      await useBackend(pc.backend);
      const n = 12;
      const init = randomArray(n, random);
      const target = randomArray(n, random);
      const run = (form: 'minimize' | 'map' | 'array') => {
        const w = variable(init, [3, 4]);
        const opt = madgrad(0.02, opts);
        const t = tf.tensor(target, [3, 4]);
        const loss = () => tf.sum(tf.square(tf.sub(w, t))) as tf.Scalar;
        for (let i = 0; i < 5; i++) {
          if (form === 'minimize') {
            opt.minimize(loss);
          } else {
            const { grads, value } = tf.variableGrads(loss, [w]);
            opt.applyGradients(form === 'map' ? grads : [{ name: w.name, tensor: grads[w.name]! }]);
            tf.dispose([value, grads[w.name]!]);
          }
        }
        const out = values(w);
        opt.dispose();
        tf.dispose([w, t]);
        return out;
      };
      // MADGRAD in float64 on the same loss: gradients 2 (w − t).
      const ref = new Madgrad64(init, { lr: 0.02 });
      for (let i = 0; i < 5; i++) ref.step(ref.x.map((x, j) => 2 * (x - target[j]!)));
      const want = Float32Array.from(ref.x);
      const first = run('minimize');
      // golden/FORMAT.md's tolerance, and the three forms are one computation.
      assertClose(first, want, 'minimize', 1e-4, 1e-6);
      for (const form of ['map', 'array'] as const) {
        assert.ok(bitwiseEqual(run(form), first), `${form} differs from minimize`);
      }
    });

    it('keys state by variable name: any subset, in any order (the built-in Adam does not)', async () => {
      await useBackend(pc.backend);
      const a0 = randomArray(4, random);
      const b0 = randomArray(4, random);
      const grads = Array.from({ length: 6 }, () => [
        randomArray(4, random),
        randomArray(4, random),
      ]);
      // Step i gives gradients for: both (a, b), only b, both as (b, a), only a, (a, b), (b, a).
      const plan: ('a' | 'b')[][] = [['a', 'b'], ['b'], ['b', 'a'], ['a'], ['a', 'b'], ['b', 'a']];
      const runTfjs = (make: () => tf.Optimizer) => {
        const a = variable(a0, [4]);
        const b = variable(b0, [4]);
        const vars = { a, b };
        const opt = make();
        plan.forEach((names, i) => {
          const list = names.map((n) => ({
            name: vars[n].name,
            tensor: tf.tensor(grads[i]![n === 'a' ? 0 : 1]!),
          }));
          opt.applyGradients(list);
          tf.dispose(list.map((l) => l.tensor));
        });
        const out = [values(a), values(b)];
        opt.dispose();
        tf.dispose([a, b]);
        return out;
      };
      for (const [name, ours, Core] of [
        ['MADGRAD', () => madgrad(0.05, opts), Madgrad],
        ['MirrorMADGRAD', () => mirrorMadgrad(0.05, opts), MirrorMadgrad],
      ] as const) {
        const pa = a0.slice();
        const pb = b0.slice();
        const core = new Core(
          [
            { name: 'a', shape: [4], value: pa },
            { name: 'b', shape: [4], value: pb },
          ],
          { lr: 0.05 },
        );
        plan.forEach((names, i) => {
          core.step(Object.fromEntries(names.map((n) => [n, grads[i]![n === 'a' ? 0 : 1]!])));
        });
        const [ga, gb] = runTfjs(ours);
        if (pc.path === 'ops') {
          assertClose(ga!, pa, `${name} a`, 1e-5, 1e-6);
          assertClose(gb!, pb, `${name} b`, 1e-5, 1e-6);
        } else {
          assert.ok(bitwiseEqual(ga!, pa) && bitwiseEqual(gb!, pb), name);
        }
      }
      // tf.train.adam keeps its moments by position in the gradient list: the same gradients
      // given in another order update the variables differently.
      const inOrder = runTfjsAdam(a0, b0, grads, false);
      const swapped = runTfjsAdam(a0, b0, grads, true);
      assert.ok(!bitwiseEqual(inOrder[0]!, swapped[0]!), 'built-in Adam depends on the order');
    });

    it('getWeights names every buffer after its variable; setWeights restores and checks them', async () => {
      await useBackend(pc.backend);
      const w = variable(randomArray(6, random), [2, 3], 'dense/kernel');
      const opt = madgrad(0.01, opts);
      for (let i = 0; i < 3; i++)
        opt.applyGradients({ [w.name]: tf.tensor(randomArray(6, random), [2, 3]) });
      const weights = await opt.getWeights();
      assert.deepEqual(
        weights.map((x) => x.name),
        ['iter', `${w.name}/grad_sum_sq`, `${w.name}/s`, `${w.name}/x0`],
      );
      assert.equal((await weights[0]!.tensor.data())[0], 3);
      const copy = weights.map((x) => ({ name: x.name, tensor: x.tensor.clone() }));
      const other = madgrad(0.01, opts);
      await other.setWeights(copy);
      assert.equal(other.iterations, 3);
      for (const b of ['grad_sum_sq', 's', 'x0'] as const) {
        assert.ok(
          bitwiseEqual(values(other.stateOf(w.name)![b]!), values(opt.stateOf(w.name)![b]!)),
        );
      }
      // Bad weights: nothing changes.
      const bad = [
        [],
        [{ name: 'iter', tensor: tf.scalar(1.5) }],
        [copy[0]!, { name: `${w.name}/nope`, tensor: copy[1]!.tensor }],
        [copy[0]!, copy[1]!, copy[2]!], // x0 missing
        [copy[0]!, copy[1]!, copy[1]!, copy[2]!, copy[3]!],
      ];
      for (const weightsBad of bad) {
        await assert.rejects(other.setWeights(weightsBad as never), StateFormatError);
        assert.equal(other.iterations, 3);
      }
      // MirrorMADGRAD weights do not load into MADGRAD.
      const m = mirrorMadgrad(0.01, opts);
      m.applyGradients({ [w.name]: tf.tensor(randomArray(6, random), [2, 3]) });
      await assert.rejects(
        other.setWeights(await m.getWeights()),
        /buffer in \[grad_sum_sq, s, x0\]/,
      );
      for (const o of [opt, other, m]) o.dispose();
      tf.dispose([w, ...copy.map((c) => c.tensor)]);
    });

    it('serializes its config with a stable class name, schedules included', async () => {
      await useBackend(pc.backend);
      assert.equal(new MadgradOptimizer().getClassName(), 'MadgradOptimizer');
      assert.equal(new MirrorMadgradOptimizer().getClassName(), 'MirrorMadgradOptimizer');
      const schedule = inverseSqrt({ lr: 1e-3, warmupSteps: 10 });
      const opt = madgrad(schedule, {
        momentum: 0.5,
        weightDecay: 1e-4,
        decoupleDecay: true,
        clipNorm: 2,
        nonFinite: 'skip',
      });
      const config = JSON.parse(JSON.stringify(opt.getConfig()));
      const entry = tf.serialization.SerializationMap.getMap().classNameMap.MadgradOptimizer!;
      const rebuilt = entry[1](entry[0], config) as MadgradOptimizer;
      assert.deepEqual(rebuilt.getConfig(), opt.getConfig());
      assert.equal(typeof rebuilt.learningRate, 'function');
      assert.equal(rebuilt.currentLearningRate, schedule(0));
      const plain = madgrad((k) => 1 / (k + 1));
      assert.throws(
        () => plain.getConfig(),
        /cannot serialize a learning rate given as a plain function/,
      );
    });

    it('throws on NaN or Infinity naming the variable, before anything changes; or skips and counts', async () => {
      await useBackend(pc.backend);
      const a = variable([1, 2], [2], 'good');
      const b = variable([3, 4, 5], [3], 'bad');
      const opt = madgrad(0.1, opts);
      opt.applyGradients({ [a.name]: tf.tensor([0.1, 0.1]), [b.name]: tf.tensor([0.1, 0.2, 0.3]) });
      const before = [values(a), values(b), values(opt.stateOf(a.name)!.s!)];
      for (const badValue of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const grads = {
          [a.name]: tf.tensor([0.5, 0.5]),
          [b.name]: tf.tensor([0.1, badValue, 0.3]),
        };
        assert.throws(
          () => opt.applyGradients(grads),
          (e: Error) =>
            e instanceof InvalidGradientError && e.message.includes(`variable "${b.name}"`),
        );
        tf.dispose(Object.values(grads));
      }
      const clipped = madgrad(0.1, { ...opts, clipNorm: 1 });
      for (const badValue of [Number.NaN, Number.NEGATIVE_INFINITY]) {
        const grads = { [a.name]: tf.tensor([0.5, 0.5]), [b.name]: tf.tensor([badValue, 0, 0]) };
        assert.throws(() => clipped.applyGradients(grads), new RegExp(`variable "${b.name}"`));
        tf.dispose(Object.values(grads));
      }
      assert.equal(clipped.stateOf(a.name), undefined);
      clipped.dispose();
      assert.equal(opt.iterations, 1);
      assert.ok(bitwiseEqual(values(a), before[0]!) && bitwiseEqual(values(b), before[1]!));
      assert.ok(bitwiseEqual(values(opt.stateOf(a.name)!.s!), before[2]!));
      const skipping = madgrad(0.1, { ...opts, nonFinite: 'skip' });
      skipping.applyGradients({ [a.name]: tf.tensor([Number.NaN, 0]) });
      skipping.applyGradients({ [a.name]: tf.tensor([0.1, 0]) });
      skipping.applyGradients({ [b.name]: tf.tensor([0, 0, Number.POSITIVE_INFINITY]) });
      assert.equal(skipping.skippedSteps, 2);
      assert.equal(skipping.iterations, 1);
      assert.equal(skipping.stateOf(b.name), undefined);
      for (const o of [opt, skipping]) o.dispose();
      tf.dispose([a, b]);
    });

    it('rejects bad gradients and options with clear errors', async () => {
      await useBackend(pc.backend);
      const w = variable([1, 2, 3], [3]);
      const opt = madgrad(0.1, opts);
      const g = tf.tensor([1, 2, 3]);
      assert.throws(
        () => opt.applyGradients({ nowhere: g }),
        /"nowhere" is not a registered tf.Variable/,
      );
      assert.throws(
        () => opt.applyGradients({ [w.name]: tf.tensor([1, 2]) }),
        /shape \[2\], the variable has \[3\]/,
      );
      assert.throws(
        () => opt.applyGradients({ [w.name]: tf.tensor([1, 2, 3], [3], 'int32') }),
        /must be float32/,
      );
      assert.throws(
        () =>
          opt.applyGradients([
            { name: w.name, tensor: g },
            { name: w.name, tensor: g },
          ]),
        /has two gradients/,
      );
      assert.throws(() => madgrad(0.1, { momentum: 1 }), /momentum must be in \[0, 1\), got 1/);
      assert.throws(() => madgrad(-1), /lr must be >= 0, got -1/);
      assert.throws(() => madgrad(0.1, { clipNorm: 0 }), /clipNorm must be a finite number > 0/);
      assert.throws(
        () => new MadgradOptimizer({ learning_rate: 1 } as never),
        /unknown option "learning_rate"/,
      );
      assert.throws(() => madgrad(0.1, { nonFinite: 'ignore' as never }), InvalidOptionError);
      const nan = madgrad(() => Number.NaN, opts);
      assert.throws(() => nan.applyGradients({ [w.name]: g }), /function returned NaN at step 0/);
      assert.ok(bitwiseEqual(values(w), Float32Array.from([1, 2, 3])));
      for (const o of [opt, nan]) o.dispose();
      tf.dispose([w, g]);
    });

    it('holds the number of live tensors constant over 1000 steps; dispose() restores it', async () => {
      await useBackend(pc.backend);
      const start = tf.memory().numTensors;
      const x = variable(randomArray(8, random), [2, 4]);
      const y = variable(randomArray(3, random), [3]);
      const withVars = tf.memory().numTensors;
      for (const make of [
        () =>
          madgrad(inverseSqrt({ lr: 0.01, warmupSteps: 10 }), {
            ...opts,
            clipNorm: 1,
            weightDecay: 0.01,
          }),
        () => madgrad(0.01, { ...opts, momentum: 0 }),
        () => mirrorMadgrad(0.01, { ...opts, weightDecay: 0.01, decoupleDecay: true, clipNorm: 1 }),
      ]) {
        const opt = make();
        const loss = () => tf.add(tf.sum(tf.square(x)), tf.sum(tf.abs(y))) as tf.Scalar;
        opt.minimize(loss);
        await opt.getWeights();
        const after = tf.memory().numTensors;
        for (let i = 0; i < 1000; i++) opt.minimize(loss);
        await opt.getWeights();
        assert.equal(tf.memory().numTensors, after, 'tensors leaked across 1000 steps');
        opt.dispose();
        assert.equal(tf.memory().numTensors, withVars, 'dispose() left tensors behind');
      }
      tf.dispose([x, y]);
      assert.equal(tf.memory().numTensors, start);
    });

    it('ops that cache a variable (wasm XNNPACK matMul) see its new values after a step', async () => {
      await useBackend(pc.backend);
      const w = variable([1, 2, 3, 4], [2, 2]);
      const x = tf.tensor([
        [1, 0],
        [0.5, 2],
      ]);
      tf.matMul(x, w).dispose(); // on wasm this packs w into a cached operator
      const opt = madgrad(0.5, opts);
      opt.applyGradients({ [w.name]: tf.ones([2, 2]) });
      const fresh = tf.tensor(values(w), [2, 2]);
      assert.ok(bitwiseEqual(values(tf.matMul(x, w)), values(tf.matMul(x, fresh))));
      opt.dispose();
      tf.dispose([w, x, fresh]);
    });

    it('never writes into a tensor that shares storage with the variable', async () => {
      await useBackend(pc.backend);
      const source = tf.tensor([1, 2, 3]);
      const w = tf.variable(source, true, `shared${pc.label.replace(/\W/g, '')}`);
      const opt = madgrad(0.1, opts);
      opt.applyGradients({ [w.name]: tf.tensor([1, 1, 1]) });
      assert.deepEqual(Array.from(values(source)), [1, 2, 3]);
      assert.notDeepEqual(Array.from(values(w)), [1, 2, 3]);
      opt.dispose();
      tf.dispose([w, source]);
    });
  });
}

function runTfjsAdam(
  a0: Float32Array,
  b0: Float32Array,
  grads: Float32Array[][],
  swap: boolean,
): Float32Array[] {
  const a = variable(a0, [4]);
  const b = variable(b0, [4]);
  const adam = tf.train.adam(0.05);
  grads.forEach(([ga, gb], i) => {
    const list = [
      { name: a.name, tensor: tf.tensor(ga!) },
      { name: b.name, tensor: tf.tensor(gb!) },
    ];
    if (swap && i > 0) list.reverse();
    adam.applyGradients(list);
    tf.dispose(list.map((l) => l.tensor));
  });
  const out = [values(a), values(b)];
  adam.dispose();
  tf.dispose([a, b]);
  return out;
}
