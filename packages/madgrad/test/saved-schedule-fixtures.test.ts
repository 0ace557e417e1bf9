import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  MadgradOptimizer,
  MirrorMadgradOptimizer,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
} from '../src/tfjs/index.js';
import { useBackend } from './tfjs-helpers.js';

/**
 * Schedules saved by madgrad at commit e951366, before the kinds became camelCase and
 * warmupUpdates/totalUpdates became warmupSteps/totalSteps (see fixtures/saved-schedules/save.mjs):
 * they load with today's code and give the learning rates they gave then, step for step.
 */
const FIXTURES = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return join(dir, 'test', 'fixtures', 'saved-schedules');
})();

const NEW_KINDS: Record<string, string> = {
  constant: 'constant',
  step_decay: 'stepDecay',
  inverse_sqrt: 'inverseSqrt',
  polynomial_decay: 'polynomialDecay',
  power_decay: 'powerDecay',
  warmup_cosine: 'warmupCosine',
};

interface SavedSchedules {
  steps: number[];
  schedules: {
    config: Record<string, unknown>;
    optimizerConfig: tf.serialization.ConfigDict;
    rates: number[];
  }[];
}

interface SavedModel {
  iterations: number;
  steps: number[];
  rates: number[];
  artifacts: tf.io.ModelArtifacts & { weightData: string };
}

function read<T>(file: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;
}

/** The schedule gives `rates` at `steps`, exactly, and carries today's names. */
function assertRates(schedule: Schedule, steps: number[], rates: number[], where: string): void {
  steps.forEach((step, i) => assert.equal(schedule(step), rates[i], `${where} at step ${step}`));
  const keys = Object.keys(schedule.config);
  assert.ok(
    !keys.some((key) => key.endsWith('Updates')) && !schedule.config.kind.includes('_'),
    `${where}: an old name in ${JSON.stringify(schedule.config)}`,
  );
}

function scheduleOf(optimizer: MadgradOptimizer): Schedule {
  const lr = optimizer.getConfig().learningRate as { schedule: ScheduleConfig };
  return scheduleFromConfig(lr.schedule);
}

describe('schedules saved by an earlier version load with the same rates', () => {
  const saved = read<SavedSchedules>('schedules.json');
  const models = readdirSync(FIXTURES).filter((f) => /^model-.*\.json$/.test(f));

  it('covers every kind', () => {
    const kinds = saved.schedules.map((s) => s.config.kind as string);
    assert.deepEqual([...kinds].sort(), Object.keys(NEW_KINDS).sort());
    assert.deepEqual(models.sort(), kinds.map((k) => `model-${k}.json`).sort());
  });

  for (const { config, optimizerConfig, rates } of saved.schedules) {
    const kind = config.kind as string;
    it(`scheduleFromConfig and fromConfig read a saved ${kind}`, () => {
      const schedule = scheduleFromConfig(config as never);
      assert.equal(schedule.config.kind, NEW_KINDS[kind]);
      assertRates(schedule, saved.steps, rates, `scheduleFromConfig(${kind})`);
      for (const Cls of [MadgradOptimizer, MirrorMadgradOptimizer]) {
        const optimizer = Cls.fromConfig(Cls, structuredClone(optimizerConfig)) as MadgradOptimizer;
        assertRates(scheduleOf(optimizer), saved.steps, rates, `${Cls.className} with ${kind}`);
        optimizer.dispose();
      }
    });
  }

  for (const file of models) {
    it(`a tfjs-layers model saved with a MadgradOptimizer (${file}) loads and continues`, async () => {
      await useBackend('cpu');
      const { iterations, steps, rates, artifacts } = read<SavedModel>(file);
      const weightData = new Uint8Array(Buffer.from(artifacts.weightData, 'base64')).buffer;
      const model = await tfl.loadLayersModel(tf.io.fromMemory({ ...artifacts, weightData }));
      const optimizer = model.optimizer as MadgradOptimizer;
      assert.ok(optimizer instanceof MadgradOptimizer);
      assert.equal(optimizer.iterations, iterations);
      const rateAt = (step: number) => rates[steps.indexOf(step)];
      assert.equal(optimizer.currentLearningRate, rateAt(iterations));
      assertRates(optimizer.learningRate as Schedule, steps, rates, file);
      assertRates(scheduleOf(optimizer), steps, rates, `${file} saved again`);
      const x = tf.tensor2d([0.5, -1, 1, 2, -0.5, 0.25, 1.5, -2], [4, 2]);
      const y = tf.tensor2d([1, 0, -1, 0.5], [4, 1]);
      await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, shuffle: false });
      assert.equal(optimizer.iterations, iterations + 2);
      assert.equal(optimizer.currentLearningRate, rateAt(iterations + 2));
      optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
    });
  }
});
