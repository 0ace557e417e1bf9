import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  constant,
  inverseSqrt,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  polynomialDecay,
  powerDecay,
  type Schedule,
  stepDecay,
  warmupCosine,
} from '../src/tfjs/index.js';
import { saveToMemory, useBackend } from './tfjs-helpers.js';

/** One schedule of every kind (camelCase kinds, which tfjs-layers' loading keeps as they are). */
const SCHEDULES: Schedule[] = [
  constant(0.01),
  stepDecay({ lr: 0.01, boundaries: [2, 5], factor: 0.5 }),
  inverseSqrt({ lr: 0.01, warmupSteps: 3, warmupInitLr: 0.001 }),
  polynomialDecay({ lr: 0.01, warmupSteps: 2, totalSteps: 40, endLr: 0.001, power: 2 }),
  warmupCosine({ peakLr: 0.02, warmupSteps: 3, decaySteps: 30, initLr: 0.001, endLr: 0.0005 }),
  powerDecay({ lr: 0.01, power: 0.25 }),
];

describe('a model saved with a schedule loads and keeps training (tfjs-layers save/load)', () => {
  const xs = () => tf.tensor2d([0.5, -1, 1, 2, -0.5, 0.25, 1.5, -2], [4, 2]);
  const ys = () => tf.tensor2d([1, 0, -1, 0.5], [4, 1]);
  for (const Cls of [MadgradOptimizer, MirrorMadgradOptimizer]) {
    for (const schedule of SCHEDULES) {
      it(`${Cls.className} with ${schedule.config.kind}`, async () => {
        await useBackend('cpu');
        const [x, y] = [xs(), ys()];
        const optimizer = new Cls({ learningRate: schedule, clipNorm: 1, nonFinite: 'skip' });
        const model = tfl.sequential({
          layers: [tfl.layers.dense({ inputShape: [2], units: 3 }), tfl.layers.dense({ units: 1 })],
        });
        model.compile({ optimizer, loss: 'meanSquaredError' });
        await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
        const loaded = await tfl.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
        assert.ok(loaded.optimizer instanceof Cls);
        assert.deepEqual(loaded.optimizer.getConfig(), optimizer.getConfig());
        const lr = (loaded.optimizer as MadgradOptimizer).currentLearningRate;
        assert.equal(lr, schedule(4), 'the loaded schedule continues from step 4');
        await loaded.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
        assert.equal(loaded.optimizer.iterations, 6);
        for (const m of [model, loaded]) {
          m.optimizer.dispose();
          m.dispose();
        }
        tf.dispose([x, y]);
      });
    }
  }
});
