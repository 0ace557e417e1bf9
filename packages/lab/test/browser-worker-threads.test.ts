import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, openBundledPage } from '../src/browser/headless-chromium.js';
import type { WorkerThreadsAnswer } from '../src/browser/worker-threads-page.js';

/**
 * The threaded WebAssembly kernels in a browser: inside a Web Worker of a cross-origin-isolated
 * page (COOP/COEP headers) two threads step MADGRAD to the same bits as one; without the
 * headers the kernels stay on one thread.
 */
declare const window: { madgradWorkerThreads: Promise<WorkerThreadsAnswer> };
const PAGE = fileURLToPath(new URL('../src/browser/worker-threads-page.js', import.meta.url));
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it`);

describe('WebAssembly kernel threads in a Web Worker', {
  skip: missing && `no ${CHROMIUM}`,
}, () => {
  for (const isolated of [true, false]) {
    it(`${isolated ? 'run on two threads' : 'stay on one thread'} ${isolated ? 'with' : 'without'} COOP/COEP`, async () => {
      const browser = await openBundledPage(PAGE, 'madgrad worker threads', { isolated });
      try {
        await browser.page.waitForFunction(() => window.madgradWorkerThreads !== undefined);
        const answer = await browser.page.evaluate(() => window.madgradWorkerThreads);
        assert.equal(answer.error, undefined);
        assert.equal(answer.isolated, isolated);
        assert.equal(answer.threads, isolated ? 2 : 1);
        assert.equal(answer.same, true);
      } finally {
        await browser.close();
      }
    });
  }
});
