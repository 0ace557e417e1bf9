import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type BrowserPage, openBundledPage } from '../browser/headless-chromium.js';
import type { BrowserBackend } from '../browser/page-backends.js';
import type { ConformancePageApi } from './browser/conformance-page.js';
import type { ConformanceEngine, EngineSession } from './engine.js';
import type { GoldenCase } from './golden-case.js';

// The page script sets window.madgradConformance; callbacks of page.evaluate run in the page.
declare const window: { madgradConformance: ConformancePageApi };

const PAGE_SCRIPT = fileURLToPath(new URL('./browser/conformance-page.js', import.meta.url));

/**
 * Engines that replay golden cases in headless Chromium: a page bundling madgrad/tfjs and the
 * tfjs backends is served on 127.0.0.1, and each case runs there on `backend` through the same
 * tfjs session code as the Node engines (checkpoints through getWeights/setWeights and
 * getConfig/fromConfig). Values cross as plain numbers (float32 values are exact doubles) and
 * are compared here by the runner. The browser starts with the first case; `close` ends it.
 */
export function browserEngine(
  backend: BrowserBackend,
  description: string,
): ConformanceEngine & { close(): Promise<void> } {
  let opened: Promise<BrowserPage> | null = null;
  const page = async (): Promise<Page> => {
    opened ??= (async () => {
      const p = await openBundledPage(PAGE_SCRIPT, 'madgrad conformance');
      try {
        await p.page.waitForFunction(() => window.madgradConformance !== undefined);
        await p.page.evaluate((b) => window.madgradConformance.start(b), backend);
      } catch (e) {
        await p.close();
        throw e;
      }
      return p;
    })();
    return (await opened).page;
  };
  const plain = (params: Readonly<Record<string, Float32Array>>) =>
    Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Array.from(v)]));
  const session = (p: Page, id: number): EngineSession => {
    let lrs: number[] | null = null;
    const toFloat32 = (values: Record<string, number[]>) =>
      Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Float32Array.from(v)]));
    return {
      // Sent with the next step, in force from that step on, as the interface asks.
      setLearningRates: (rates) => {
        lrs = [...rates];
      },
      step: async (grads) => {
        const pending = lrs;
        lrs = null;
        await p.evaluate(([i, r, g]) => window.madgradConformance.step(i, r, g), [
          id,
          pending,
          grads,
        ] as const);
      },
      params: async () =>
        toFloat32(await p.evaluate((i) => window.madgradConformance.params(i), id)),
      state: async () => {
        const s = await p.evaluate((i) => window.madgradConformance.state(i), id);
        return {
          k: s.k,
          params: Object.fromEntries(Object.entries(s.params).map(([n, b]) => [n, toFloat32(b)])),
        };
      },
      save: async () =>
        Uint8Array.from(await p.evaluate((i) => window.madgradConformance.save(i), id)),
      dispose: () => {
        void p.evaluate((i) => window.madgradConformance.dispose(i), id).catch(() => {});
      },
    };
  };
  return {
    name: `browser-${backend}`,
    description,
    open: async (c: GoldenCase, params) => {
      const p = await page();
      const id = await p.evaluate(([cc, pp]) => window.madgradConformance.open(cc, pp, 'auto'), [
        c,
        plain(params),
      ] as const);
      return session(p, id);
    },
    restore: async (c: GoldenCase, params, checkpoint) => {
      const p = await page();
      const id = await p.evaluate(
        ([cc, pp, bytes]) => window.madgradConformance.restore(cc, pp, bytes, 'auto'),
        [c, plain(params), Array.from(checkpoint)] as const,
      );
      return session(p, id);
    },
    close: async () => {
      if (opened) await (await opened.catch(() => null))?.close();
      opened = null;
    },
  };
}
