import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidGradientError,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  type TfjsOptimizerConfig,
} from '../src/tfjs/index.js';
import { useBackend, values, variable } from './tfjs-helpers.js';

/**
 * The device path (the webgl/webgpu step: check, clip scale and selection on the device, refused
 * steps learnt asynchronously), run on the cpu backend with `path: 'device'` and compared with
 * the kernels path (`path: 'auto'`), an independent implementation of the same maths.
 */
const GRADS = [
  [0.5, -1, 2, 0],
  [0.1, 0.2, -0.3, 4],
  [-2, 1, 0.5, 0.25],
  [1, 1, 1, 1],
];
const NAN = [0.1, Number.NaN, 0, 0];

type Make = (config: TfjsOptimizerConfig) => MadgradOptimizer | MirrorMadgradOptimizer;
const OPTIMIZERS: [string, Make][] = [
  ['MADGRAD', (c) => new MadgradOptimizer({ learningRate: 0.1, ...c })],
  ['MADGRAD momentum 0', (c) => new MadgradOptimizer({ learningRate: 0.1, momentum: 0, ...c })],
  ['MirrorMADGRAD', (c) => new MirrorMadgradOptimizer({ learningRate: 0.1, ...c })],
];

/** Runs the gradients (null: a NaN gradient) and returns the parameter after every step. */
function run(make: Make, config: TfjsOptimizerConfig, grads: (number[] | null)[]) {
  const w = variable([1, -2, 3, 0.5], [4], 'device');
  const opt = make(config);
  const after: number[][] = [];
  for (const g of grads) {
    const t = tf.tensor1d(g ?? NAN);
    opt.applyGradients([{ name: w.name, tensor: t }]);
    t.dispose();
    after.push(Array.from(values(w)));
  }
  return { w, opt, after };
}

function assertClose(got: number[], want: number[], what: string) {
  got.forEach((x, i) =>
    assert.ok(
      Math.abs(x - want[i]!) <= 1e-6 + 1e-5 * Math.abs(want[i]!),
      `${what}[${i}]: ${x} vs ${want[i]}`,
    ),
  );
}

describe('tfjs optimizers on the device path (cpu, path: device)', () => {
  for (const [label, make] of OPTIMIZERS) {
    it(`${label}: the same steps as the kernels, with and without clipping and decay`, async () => {
      await useBackend('cpu');
      for (const extra of [{}, { clipNorm: 1 }, { weightDecay: 0.1, decoupleDecay: true }]) {
        const device = run(make, { path: 'device', ...extra }, GRADS);
        const kernels = run(make, { path: 'auto', ...extra }, GRADS);
        device.after.forEach((a, i) => assertClose(a, kernels.after[i]!, `step ${i + 1}`));
        assert.match(device.opt.stepPath, /^device ops on cpu$/);
        for (const r of [device, kernels]) {
          r.opt.dispose();
          r.w.dispose();
        }
      }
    });

    it(`${label}: 'skip' skips a NaN step on the device, counted once the host reads the counter`, async () => {
      await useBackend('cpu');
      const skipped = run(make, { path: 'device', nonFinite: 'skip' }, [
        GRADS[0]!,
        null,
        ...GRADS.slice(1),
      ]);
      const clean = run(make, { path: 'auto' }, GRADS);
      assert.deepEqual(skipped.after[1], skipped.after[0], 'the NaN step changed nothing');
      // Later steps use the device's k (3 applied steps, not 4 queued): the same maths.
      assertClose(skipped.after.at(-1)!, clean.after.at(-1)!, 'final');
      assert.deepEqual(await skipped.opt.stepStatus(), { steps: 4, skipped: 1 });
      assert.equal(skipped.opt.iterations, 4);
      for (const r of [skipped, clean]) {
        r.opt.dispose();
        r.w.dispose();
      }
    });

    it(`${label}: 'throw' refuses the NaN step and every step queued after it, then throws`, async () => {
      await useBackend('cpu');
      const r = run(make, { path: 'device' }, [GRADS[0]!, null, GRADS[1]!]);
      assert.deepEqual(r.after[2], r.after[0], 'nothing changed from the NaN step on');
      await assert.rejects(r.opt.stepStatus(), (e: unknown) => {
        assert.ok(e instanceof InvalidGradientError);
        assert.match((e as Error).message, /step k=1: a gradient held NaN or Infinity/);
        return true;
      });
      assert.equal(r.opt.iterations, 1, 'the step counter is back at the refused step');
      // Training goes on from there as if the NaN step had thrown synchronously.
      const g = tf.tensor1d(GRADS[1]!);
      r.opt.applyGradients([{ name: r.w.name, tensor: g }]);
      g.dispose();
      const clean = run(make, { path: 'auto' }, [GRADS[0]!, GRADS[1]!]);
      assertClose(Array.from(values(r.w)), clean.after[1]!, 'resumed');
      assert.deepEqual(await r.opt.stepStatus(), { steps: 2, skipped: 0 });
      for (const x of [r, clean]) {
        x.opt.dispose();
        x.w.dispose();
      }
    });
  }

  it('leaves no tensor behind over applied and refused steps, and checkpoints the applied count', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const r = run(OPTIMIZERS[0]![1], { path: 'device', nonFinite: 'skip' }, [
      ...GRADS,
      null,
      null,
      ...GRADS,
    ]);
    const weights = await r.opt.getWeights();
    assert.equal((await weights[0]!.tensor.data())[0], 8, 'iter counts applied steps only');
    r.opt.dispose();
    r.w.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
