import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DeviceStepPageApi } from '../src/browser/device-step-page.js';
import { type BrowserPage, CHROMIUM, openBundledPage } from '../src/browser/headless-chromium.js';
import type { ConformancePageApi } from '../src/conformance/browser/conformance-page.js';

declare const window: {
  madgradDeviceStep: DeviceStepPageApi;
  madgradConformance: ConformancePageApi;
};

/**
 * The GPU step's guarantees in headless Chromium (SwiftShader where there is no GPU): a NaN or
 * ±Infinity anywhere in any gradient (edges of odd shapes included, where packed WebGL textures
 * pad) refuses the whole step on the device, bit for bit, with clipping on; nothing leaks; and
 * WebGL without 32-bit float render targets is said, not silent.
 */
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it`);
const skip = missing && `no ${CHROMIUM}`;

const DEVICE_PAGE = fileURLToPath(new URL('../src/browser/device-step-page.js', import.meta.url));
const CONFORMANCE_PAGE = fileURLToPath(
  new URL('../src/conformance/browser/conformance-page.js', import.meta.url),
);

async function open(script: string, global: string): Promise<BrowserPage> {
  const page = await openBundledPage(script, 'madgrad device step');
  await page.page.waitForFunction((g) => g in globalThis, global);
  return page;
}

for (const backend of ['webgl', 'webgpu'] as const) {
  describe(`the device step in Chromium on ${backend}`, { skip }, () => {
    let page: BrowserPage;
    before(async () => {
      page = await open(DEVICE_PAGE, 'madgradDeviceStep');
      await page.page.evaluate((b) => window.madgradDeviceStep.start(b), backend);
    });
    after(() => page?.close());

    it('a non-finite value anywhere refuses the whole step; finite steps apply; no leaks', async () => {
      const r = await page.page.evaluate(() => window.madgradDeviceStep.refusals());
      assert.deepEqual(r.failures, []);
      assert.equal(r.tensorsAfter, r.tensorsBefore);
    });

    it('clipNorm scales by maxNorm / (norm + 1e-6) of the global norm, as on the host', async () => {
      const r = await page.page.evaluate(() => window.madgradDeviceStep.clipAgainstHost());
      // float32 sums of squares in another order than the host's double sum.
      assert.ok(r.clipped < 1e-4, `clipped: ${r.clipped}`);
      assert.ok(r.unclipped < 1e-4, `unclipped: ${r.unclipped}`);
    });
  });
}

describe('WebGL without 32-bit float render targets', { skip }, () => {
  it('the optimizer warns once', async () => {
    const page = await open(DEVICE_PAGE, 'madgradDeviceStep');
    try {
      const warnings: string[] = [];
      page.page.on('console', (m) => {
        if (m.type() === 'warning' && m.text().startsWith('madgrad:')) warnings.push(m.text());
      });
      await page.page.evaluate(() => window.madgradDeviceStep.start('webgl'));
      await page.page.evaluate(() => window.madgradDeviceStep.halfFloatSteps());
      // Console events arrive asynchronously: one more round trip lets them in.
      await page.page.evaluate(() => 0);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /cannot render to 32-bit float textures/);
    } finally {
      await page.close();
    }
  });

  it('the conformance page refuses to run', async () => {
    const page = await open(CONFORMANCE_PAGE, 'madgradConformance');
    try {
      await page.page.evaluate(() =>
        window.madgradConformance.setFlag('WEBGL_RENDER_FLOAT32_CAPABLE', false),
      );
      await assert.rejects(
        page.page.evaluate(() => window.madgradConformance.start('webgl')),
        /cannot render to 32-bit float textures/,
      );
    } finally {
      await page.close();
    }
  });
});
