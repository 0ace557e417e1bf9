import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getEngine } from '../src/conformance/engines.js';
import { runConformance } from '../src/conformance/runner.js';
import { GOLDEN_DIR } from './helpers.js';

describe('WebAssembly kernels', () => {
  describe('golden trajectories (kernel engine)', () => {
    for (const resumeAt of [undefined, 0, 4, 13]) {
      it(`passes every case${resumeAt === undefined ? '' : ` resuming after step ${resumeAt}`}`, async () => {
        const summary = await runConformance(await getEngine('kernel'), [GOLDEN_DIR], {
          resumeAt,
        });
        const failures = summary.results
          .filter((r) => !r.passed)
          .map((r) => `${r.name}: ${r.detail}`);
        assert.deepEqual(failures, []);
        assert.ok(summary.passed >= 15);
      });
    }
  });
});
