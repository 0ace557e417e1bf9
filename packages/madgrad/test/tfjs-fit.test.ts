import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  learningRateScheduler,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  madgrad,
  mirrorMadgrad,
  stepDecay,
} from '../src/tfjs/index.js';
import { bitwiseEqual, rng } from './helpers.js';
import { Madgrad64, Mirror64 } from './reference-f64.js';
import { assertClose, useBackend } from './tfjs-helpers.js';

/** A small seeded regression task: y = sin(x1) + x2² / 2 on 128 points. */
function dataset(): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const random = rng(3);
  const n = 128;
  const x = Float32Array.from({ length: 2 * n }, () => random() * 4 - 2);
  const y = Float32Array.from(
    { length: n },
    (_, i) => Math.sin(x[2 * i]!) + x[2 * i + 1]! ** 2 / 2,
  );
  return { xs: tf.tensor2d(x, [n, 2]), ys: tf.tensor2d(y, [n, 1]) };
}

function model(optimizer: tf.Optimizer): tfl.Sequential {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({
        inputShape: [2],
        units: 16,
        activation: 'tanh',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.dense({
        units: 1,
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  m.compile({ optimizer, loss: 'meanSquaredError' });
  return m;
}

/**
 * The mean squared error of each epoch of the model above trained from `init` (its weights in
 * getWeights' order: kernel 2×16, bias 16, kernel 16×1, bias 1) with batches in order, forward,
 * backward and the optimizer (reference-f64.ts, checked against the golden data) in float64: what
 * model.fit's history reports, the mean of the batch losses before each step.
 */
function lossCurve64(
  init: Float32Array[],
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  name: 'MADGRAD' | 'MirrorMADGRAD',
  epochs: number,
  batch: number,
): number[] {
  const H = 16;
  const sizes = init.map((w) => w.length);
  const flat = init.flatMap((w) => Array.from(w));
  const ref =
    name === 'MADGRAD' ? new Madgrad64(flat, { lr: 0.02 }) : new Mirror64(flat, { lr: 0.02 });
  const n = y.length;
  const losses: number[] = [];
  for (let e = 0; e < epochs; e++) {
    let sum = 0;
    for (let b0 = 0; b0 < n; b0 += batch) {
      const w = ref.x;
      const [k1, b1, k2] = [0, sizes[0]!, sizes[0]! + sizes[1]!];
      const b2 = k2 + sizes[2]!;
      const g = w.map(() => 0);
      let loss = 0;
      for (let r = b0; r < b0 + batch; r++) {
        const h = Array.from({ length: H }, (_, j) =>
          Math.tanh(x[2 * r]! * w[k1 + j]! + x[2 * r + 1]! * w[k1 + H + j]! + w[b1 + j]!),
        );
        const out = h.reduce((a, hj, j) => a + hj * w[k2 + j]!, w[b2]!);
        loss += (out - y[r]!) ** 2 / batch;
        const d = (2 * (out - y[r]!)) / batch;
        g[b2] = g[b2]! + d;
        h.forEach((hj, j) => {
          g[k2 + j] = g[k2 + j]! + d * hj;
          const pre = d * w[k2 + j]! * (1 - hj * hj);
          g[b1 + j] = g[b1 + j]! + pre;
          g[k1 + j] = g[k1 + j]! + pre * x[2 * r]!;
          g[k1 + H + j] = g[k1 + H + j]! + pre * x[2 * r + 1]!;
        });
      }
      sum += loss;
      ref.step(g);
    }
    losses.push(sum / (n / batch));
  }
  return losses;
}

function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`model.fit on the ${backend} backend`, () => {
    for (const [name, make] of [
      ['MADGRAD', () => madgrad(0.02)],
      ['MirrorMADGRAD', () => mirrorMadgrad(0.02)],
    ] as const) {
      it(`${name}: each epoch's loss is the one the same training computed by hand in float64 gives`, async () => {
        await useBackend(backend);
        const { xs, ys } = dataset();
        const optimizer = make();
        const m = model(optimizer);
        const want = lossCurve64(weightsOf(m), xs.dataSync(), ys.dataSync(), name, 30, 16);
        const history = await m.fit(xs, ys, {
          epochs: 30,
          batchSize: 16,
          shuffle: false,
          verbose: 0,
        });
        const loss = history.history.loss as number[];
        assert.equal(loss.length, 30);
        loss.forEach((l, e) =>
          assert.ok(Math.abs(l - want[e]!) <= 1e-4 * want[e]!, `epoch ${e}: ${l} vs ${want[e]}`),
        );
        assert.ok(want.at(-1)! < 0.3 * want[0]!, 'and training works: the loss falls');
        assert.equal(optimizer.iterations, 30 * 8);
        m.dispose();
        optimizer.dispose();
        tf.dispose([xs, ys]);
      });
    }

    it('an epoch schedule set by the callback is in force during each epoch', async () => {
      await useBackend(backend);
      const { xs, ys } = dataset();
      const optimizer = madgrad(0.02);
      const m = model(optimizer);
      const schedule = stepDecay({ lr: 0.02, boundaries: [2, 4], factor: 0.5 });
      const history = await m.fit(xs, ys, {
        epochs: 5,
        batchSize: 32,
        verbose: 0,
        callbacks: [learningRateScheduler(optimizer, schedule)],
      });
      assert.deepEqual(history.history.lr, [0.02, 0.02, 0.01, 0.01, 0.005]);
      m.dispose();
      optimizer.dispose();
      tf.dispose([xs, ys]);
    });

    for (const Cls of [MadgradOptimizer, MirrorMadgradOptimizer]) {
      it(`${Cls.className}: a model saved with its optimizer resumes on the same trajectory`, async () => {
        await useBackend(backend);
        const { xs, ys } = dataset();
        const fit = (m: tfl.LayersModel) =>
          m.fit(xs, ys, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
        const original = model(new Cls({ learningRate: 0.01, clipNorm: 5 }));
        await fit(original);
        let saved: tf.io.ModelArtifacts | null = null;
        await original.save(
          tf.io.withSaveHandler(async (artifacts) => {
            saved = artifacts;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
          { includeOptimizer: true },
        );
        await fit(original); // the uninterrupted run
        const resumed = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
        assert.ok(resumed.optimizer instanceof Cls, 'the optimizer was rebuilt from its config');
        assert.equal(resumed.optimizer.iterations, 3 * 8);
        await fit(resumed);
        const want = weightsOf(original);
        const got = weightsOf(resumed);
        for (let i = 0; i < want.length; i++) {
          if (backend === 'cpu') assert.ok(bitwiseEqual(got[i]!, want[i]!), `weight ${i} differs`);
          else assertClose(got[i]!, want[i]!, `weight ${i}`, 1e-5, 1e-6);
        }
        for (const m of [original, resumed]) {
          m.optimizer.dispose();
          m.dispose();
        }
        tf.dispose([xs, ys]);
      });
    }
  });
}
