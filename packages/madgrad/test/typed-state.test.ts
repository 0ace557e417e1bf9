import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { MADGRAD_RULE, MIRROR_MADGRAD_RULE } from '../src/experimental.js';
import { Adagrad, Adam, Madgrad, MirrorMadgrad, SgdMomentum } from '../src/index.js';
import { MADGRAD_DEFAULTS } from '../src/maths/options.js';
import { ADAGRAD_RULE } from '../src/optimizers/baselines/adagrad.js';
import { ADAM_DEFAULTS, ADAM_RULE } from '../src/optimizers/baselines/adam.js';
import { SGD_MOMENTUM_RULE } from '../src/optimizers/baselines/sgd-momentum.js';
import { dualAveragingRule } from '../src/optimizers/dual-averaging-variants.js';
import { MadgradOptimizer } from '../src/tfjs/index.js';
import { param } from './helpers.js';

/**
 * Type-level checks, held by the compiler when the tests build (`tsc -p packages/madgrad`): each
 * optimizer's groups take that optimizer's own options, and state is typed by buffer name. A
 * line marked `@ts-expect-error` that type-checks fails the build. The runtime assertions check
 * that what type-checks also runs.
 */
describe('typed groups and state', () => {
  const params = [param('w', [2], new Float32Array([1, 2]))];

  it("each optimizer's groups take its own options", () => {
    const adam = new Adam([{ params, beta2: 0.99 }]);
    assert.equal(adam.groups[0]!.beta2, 0.99);
    assert.equal(new Adam([{ params, momentum: 0.8 }]).groups[0]!.beta1, 0.8);
    assert.equal(new Madgrad([{ params, momentum: 0 }]).groups[0]!.momentum, 0);
    assert.equal(new MirrorMadgrad([{ params, eps: 1e-8 }]).groups[0]!.eps, 1e-8);
    assert.equal(new SgdMomentum([{ params, lr: 0.5 }]).groups[0]!.lr, 0.5);
    assert.equal(new Adagrad([{ params, weightDecay: 0.1 }]).groups[0]!.weightDecay, 0.1);
    // @ts-expect-error beta2 is Adam's option, not MADGRAD's
    assert.throws(() => new Madgrad([{ params, beta2: 0.9 }]), /unknown option "beta2"/);
    // @ts-expect-error MirrorMADGRAD has no beta1 either
    assert.throws(() => new MirrorMadgrad([{ params, beta1: 0.9 }]), /unknown option "beta1"/);
  });

  it('state is typed by buffer name', () => {
    const opt = new Madgrad(params, { kernels: 'js' });
    assert.equal(opt.stateOf('w'), undefined);
    opt.step({ w: new Float32Array([1, 1]) });
    const state = opt.stateOf('w')!;
    const v: Float32Array = state.grad_sum_sq;
    const s: Float32Array = state.s;
    const x0: Float32Array | undefined = state.x0;
    assert.deepEqual([v.length, s.length, x0?.length], [2, 2, 2]);
    // @ts-expect-error MADGRAD keeps no z
    assert.equal(opt.stateOf('w')!.z, undefined);
    const mirror = new MirrorMadgrad(params, { kernels: 'js' });
    mirror.step({ w: new Float32Array([1, 1]) });
    const z: Float32Array = mirror.stateOf('w')!.z;
    assert.equal(z.length, 2);
    const adam = new Adam(params);
    adam.step({ w: new Float32Array([1, 1]) });
    const m: Float32Array = adam.stateOf('w')!.exp_avg;
    assert.equal(m.length, 2);
  });

  it("the tfjs optimizers' slots are typed by buffer name", async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.tensor1d([1, 2]), true, 'typed_w');
    const opt = new MadgradOptimizer({ learningRate: 0.1, momentum: 0 });
    opt.applyGradients({ typed_w: tf.tensor1d([1, 1]) });
    const slot = opt.stateOf('typed_w')!;
    const v: tf.Variable = slot.grad_sum_sq;
    const x0: tf.Variable | undefined = slot.x0;
    assert.deepEqual([v.shape, x0], [[2], undefined]);
    opt.dispose();
    w.dispose();
  });

  it("every rule's bufferNames are among its buffers, each once", () => {
    const momenta = [0, 0.9].map((momentum) => ({ ...MADGRAD_DEFAULTS, momentum }));
    const rules = [
      [MADGRAD_RULE, momenta],
      [MIRROR_MADGRAD_RULE, momenta],
      [SGD_MOMENTUM_RULE, momenta],
      [ADAGRAD_RULE, momenta],
      [ADAM_RULE, [ADAM_DEFAULTS]],
      [dualAveragingRule({ weighting: 'sqrt', denominator: 'step' }), momenta],
      [dualAveragingRule({ weighting: 'sqrt', denominator: 'sqrt-sum' }), momenta],
    ] as const;
    for (const [rule, optionSets] of rules) {
      const known = Object.keys(rule.buffers);
      for (const options of optionSets) {
        const names = rule.bufferNames(options as never);
        assert.equal(new Set(names).size, names.length, rule.kind);
        for (const name of names) assert.ok(known.includes(name), `${rule.kind}: ${name}`);
      }
    }
    assert.deepEqual(MADGRAD_RULE.bufferNames(momenta[0]!), ['grad_sum_sq', 's']);
    assert.deepEqual(MADGRAD_RULE.bufferNames(momenta[1]!), ['grad_sum_sq', 's', 'x0']);
  });
});
