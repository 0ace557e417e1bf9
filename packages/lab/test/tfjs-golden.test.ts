import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { getEngine } from '../src/conformance/engines.js';
import { runConformance } from '../src/conformance/runner.js';
import { GOLDEN_DIR } from './helpers.js';

tf.env().set('PROD', true); // no "install tfjs-node" banner

describe('golden trajectories of the reference implementation (tfjs engines)', () => {
  for (const engine of ['tfjs-cpu', 'tfjs-wasm', 'tfjs-ops', 'tfjs-device']) {
    for (const resumeAt of [undefined, 0, 7, 1000]) {
      it(`${engine} passes every case${resumeAt === undefined ? '' : ` resuming after step ${resumeAt}`}`, async () => {
        const summary = await runConformance(await getEngine(engine), [GOLDEN_DIR], { resumeAt });
        const failures = summary.results
          .filter((r) => !r.passed)
          .map((r) => `${r.name}: ${r.detail}`);
        assert.deepEqual(failures, []);
        assert.ok(summary.passed >= 15);
        assert.equal(tf.memory().numTensors, 0, 'the engine left tensors behind');
      });
    }
  }
});
