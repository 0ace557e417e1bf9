import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { CHROMIUM } from '../src/browser/headless-chromium.js';
import { browserEngine } from '../src/conformance/browser-engine.js';
import { runConformance } from '../src/conformance/runner.js';
import { GOLDEN_DIR } from './helpers.js';

/**
 * Every golden case in headless Chromium through madgrad/tfjs, on the GPU backends (SwiftShader
 * where there is no GPU), from scratch and resumed from a checkpoint after step 7. Off CI, the
 * suite is skipped when Chromium is not installed.
 */
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it`);

for (const backend of ['webgl', 'webgpu'] as const) {
  describe(`golden cases in Chromium on ${backend}`, { skip: missing && `no ${CHROMIUM}` }, () => {
    const engine = browserEngine(backend, `tests on ${backend}`);
    after(() => engine.close());

    for (const resumeAt of [undefined, 7]) {
      it(`every case passes${resumeAt === undefined ? '' : ` resumed after step ${resumeAt}`}`, async () => {
        const summary = await runConformance(engine, [GOLDEN_DIR], { resumeAt });
        const failures = summary.results.filter((r) => !r.passed);
        assert.deepEqual(
          failures.map((r) => `${r.name}: ${r.detail.split('\n')[0]}`),
          [],
        );
        assert.ok(summary.passed >= 15);
      });
    }
  });
}
