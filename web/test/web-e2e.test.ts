import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { ROOT } from './helpers.js';
import { serveStatic } from './web-server.js';

/**
 * End-to-end tests of the playground in headless Chromium (Debian's package, which .ci/run
 * installs): build the static app, serve it from a plain static server on 127.0.0.1, and drive
 * each page. Screenshots go to test-output/web/. Off CI, the suite is skipped when Chromium is
 * not installed (`apt-get install chromium`).
 */
// Callbacks given to page.evaluate run in the page; this Node program has no DOM types, so these
// declare just what they touch.
interface RaceProbe {
  positions(): { id: string; x: number; y: number }[];
  stepCount(): number;
}
interface TrainProbe {
  losses(): { method: string; losses: number[] }[];
  backend(): string;
  backends(): string[];
  stepPaths(): (string | null)[];
}
declare const window: { madgradRace: RaceProbe; madgradTrain: TrainProbe };
declare const document: {
  querySelector(selector: string): {
    width: number;
    height: number;
    getContext(kind: '2d'): {
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    };
  };
};

const CHROMIUM = process.env.MADGRAD_CHROMIUM ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it`);
const SHOTS = join(ROOT, 'test-output', 'web');
const OUT = join(ROOT, 'test-output', 'web-dist');
const OUT_NO_REPORT = join(ROOT, 'test-output', 'web-dist-no-report');
const FAKE_REPORT = join(ROOT, 'test-output', 'fake-report');

/** Builds the static app into `outDir`, taking the reproduction report from `reportDir`. */
async function buildApp(outDir: string, reportDir: string): Promise<void> {
  const saved = process.env.MADGRAD_REPORT_DIR;
  process.env.MADGRAD_REPORT_DIR = reportDir;
  try {
    await build({
      configFile: join(ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (saved === undefined) delete process.env.MADGRAD_REPORT_DIR;
    else process.env.MADGRAD_REPORT_DIR = saved;
  }
}

describe('web playground in headless Chromium', { skip: missing && `no ${CHROMIUM}` }, () => {
  let server: Awaited<ReturnType<typeof serveStatic>>;
  let context: BrowserContext;
  let profile: string;
  const offsite: string[] = [];

  before(async () => {
    // A stand-in report, so the test does not depend on whether the harness has run here.
    rmSync(FAKE_REPORT, { recursive: true, force: true });
    mkdirSync(join(FAKE_REPORT, 'figures'), { recursive: true });
    writeFileSync(
      join(FAKE_REPORT, 'index.html'),
      '<!doctype html><title>Fake report</title><h1 id="fake">Fake reproduction report</h1>',
    );
    writeFileSync(
      join(FAKE_REPORT, 'figures', 'a.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
    );
    await buildApp(OUT, FAKE_REPORT);
    await buildApp(OUT_NO_REPORT, join(FAKE_REPORT, 'absent'));
    server = await serveStatic(OUT);
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'madgrad-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 950 },
      args: [
        '--headless',
        '--no-sandbox',
        // WebGPU on SwiftShader (the CPU implementation) where there is no GPU; WebGL too.
        '--enable-unsafe-webgpu',
        '--use-webgpu-adapter=swiftshader',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Works offline: anything not from the test servers on 127.0.0.1 is refused and recorded.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('http://127.0.0.1:') || url.startsWith('data:')) return route.continue();
      offsite.push(url);
      return route.abort();
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens a page and collects its console errors and uncaught exceptions. */
  async function open(name: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}${name}`, { waitUntil: 'load' });
    return { page, errors };
  }

  it('index.html loads with no console errors and links every page', async () => {
    const { page, errors } = await open('index.html');
    await page.waitForSelector('main h1');
    const links = await page.$$eval('main a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, ['./race.html', './train.html', './results.html']);
    await page.screenshot({ path: join(SHOTS, 'index.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('results.html links the report copied into the build, which opens', async () => {
    const { page, errors } = await open('results.html');
    await page.waitForSelector('[data-testid="report-link"]');
    const frame = page.frameLocator('iframe.report');
    assert.equal(await frame.locator('#fake').textContent(), 'Fake reproduction report');
    assert.ok(existsSync(join(OUT, 'report', 'figures', 'a.svg')));
    await page.screenshot({ path: join(SHOTS, 'results.png'), fullPage: true });
    await page.click('[data-testid="report-link"]');
    await page.waitForSelector('#fake');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('results.html says so when no report has been built', async () => {
    const other = await serveStatic(OUT_NO_REPORT);
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${other.url}results.html`);
      const text = await page.textContent('[data-testid="report-status"]');
      assert.match(text ?? '', /No reproduction report has been built yet/);
      assert.equal(await page.$('[data-testid="report-link"]'), null);
      assert.ok(!existsSync(join(OUT_NO_REPORT, 'report')));
      await page.screenshot({ path: join(SHOTS, 'results-none.png'), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await other.close();
    }
  });

  it('race: draws a non-blank contour plot, and the trajectories move after Play', async () => {
    const { page, errors } = await open('race.html');
    const colours = await page.evaluate(() => {
      const c = document.querySelector('[data-testid="contour"]')!;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 37) {
        seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
      return seen.size;
    });
    assert.ok(colours > 50, `only ${colours} distinct colours on the contour plot`);
    const before = await page.evaluate(() => window.madgradRace.positions());
    assert.equal(before.length, 5);
    await page.click('[data-testid="play"]');
    await page.waitForFunction(() => window.madgradRace.stepCount() >= 100, undefined, {
      timeout: 15_000,
    });
    await page.click('[data-testid="play"]'); // pause
    const afterPlay = await page.evaluate(() => window.madgradRace.positions());
    for (const [i, p] of afterPlay.entries()) {
      const moved = Math.hypot(p.x - before[i]!.x, p.y - before[i]!.y);
      assert.ok(moved > 1e-3, `${p.id} moved only ${moved}`);
    }
    const status = await page.getAttribute('[data-testid="status"]', 'data-step');
    assert.ok(Number(status) >= 100, `status says step ${status}`);
    await page.screenshot({ path: join(SHOTS, 'race.png'), fullPage: true });

    // Reset goes back to step 0 at the start; Step advances exactly one step.
    await page.click('[data-testid="reset"]');
    assert.equal(await page.getAttribute('[data-testid="status"]', 'data-step'), '0');
    assert.deepEqual(await page.evaluate(() => window.madgradRace.positions()), before);
    await page.click('[data-testid="step"]');
    assert.equal(await page.evaluate(() => window.madgradRace.stepCount()), 1);

    // A click on the plot moves the start point there (top-left quarter of the window) and
    // restarts the race from it.
    const box = (await page.locator('[data-testid="trajectories"]').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height * 0.25);
    assert.equal(await page.evaluate(() => window.madgradRace.stepCount()), 0);
    for (const p of await page.evaluate(() => window.madgradRace.positions())) {
      // Rosenbrock's window is [-2, 2] × [-1, 3]: a quarter in from the top-left is (-1, 2).
      assert.ok(Math.abs(p.x + 1) < 0.02 && Math.abs(p.y - 2) < 0.02, `${p.id} at ${p.x}, ${p.y}`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('train: the loss of both methods falls over a few seconds of training', async () => {
    const { page, errors } = await open('train.html');
    await page.waitForSelector('[data-testid="train"]:not([disabled])', { timeout: 15_000 });
    await page.click('[data-testid="train"]');
    await page.waitForFunction(
      () => window.madgradTrain.losses().every((r) => r.losses.length >= 120),
      undefined,
      { timeout: 45_000 },
    );
    await page.click('[data-testid="train"]'); // pause
    const runs = await page.evaluate(() => window.madgradTrain.losses());
    assert.deepEqual(
      runs.map((r) => r.method),
      ['madgrad', 'adam'],
    );
    const mean = (v: number[]) => v.reduce((s, c) => s + c, 0) / v.length;
    for (const r of runs) {
      const first = mean(r.losses.slice(0, 10));
      const last = mean(r.losses.slice(-20));
      assert.ok(last < 0.6 * first, `${r.method}: loss ${first} → ${last}`);
    }
    await page.screenshot({ path: join(SHOTS, 'train.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('train: the backend picker offers webgpu, webgl, wasm and cpu, and each one trains', async () => {
    const { page, errors } = await open('train.html');
    await page.waitForSelector('[data-testid="train"]:not([disabled])', { timeout: 30_000 });
    const offered = await page.evaluate(() => window.madgradTrain.backends());
    assert.deepEqual(offered, ['webgpu', 'webgl', 'wasm', 'cpu']);
    const expectedPath: Record<string, RegExp> = {
      webgpu: /^fused WGSL on webgpu$/,
      webgl: /^fused programs on webgl$/,
      wasm: /kernels on wasm$/,
      cpu: /kernels on cpu$/,
    };
    const mean = (v: number[]) => v.reduce((s, c) => s + c, 0) / v.length;
    for (const backend of offered) {
      await page.selectOption('[data-testid="backend"]', backend);
      await page.waitForFunction((b) => window.madgradTrain.backend() === b, backend);
      await page.waitForSelector('[data-testid="train"]:not([disabled])');
      await page.click('[data-testid="train"]');
      await page
        .waitForFunction(
          () => window.madgradTrain.losses().every((r) => r.losses.length >= 40),
          undefined,
          { timeout: 60_000 },
        )
        .catch(async (e) => {
          const status = await page.textContent('[data-testid="status"]');
          throw new Error(`${backend}: ${status} ${errors.join('; ')}: ${e}`);
        });
      await page.click('[data-testid="train"]'); // pause
      const path = String((await page.evaluate(() => window.madgradTrain.stepPaths()))[0]);
      assert.match(path, expectedPath[backend]!);
      assert.equal(await page.textContent('[data-testid="step-path"]'), `step path: ${path}`);
      for (const r of await page.evaluate(() => window.madgradTrain.losses())) {
        const first = mean(r.losses.slice(0, 5));
        const last = mean(r.losses.slice(-10));
        assert.ok(last < 0.8 * first, `${backend} ${r.method}: loss ${first} → ${last}`);
      }
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('train: without WebGL it falls back to the CPU backend and still trains', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    // Every WebGL context request fails, as on a machine without WebGL.
    await page.addInitScript(() => {
      const g = globalThis as unknown as Record<string, { prototype: Record<string, unknown> }>;
      for (const name of ['HTMLCanvasElement', 'OffscreenCanvas']) {
        const proto = g[name]?.prototype;
        if (!proto) continue;
        const original = proto.getContext as (this: unknown, ...args: unknown[]) => unknown;
        proto.getContext = function (this: unknown, kind: unknown, ...rest: unknown[]) {
          return String(kind).includes('webgl') ? null : original.call(this, kind, ...rest);
        };
      }
    });
    await page.goto(`${server.url}train.html`);
    await page.waitForSelector('[data-testid="train"]:not([disabled])', { timeout: 15_000 });
    assert.equal(await page.evaluate(() => window.madgradTrain.backend()), 'cpu');
    await page.click('[data-testid="train"]');
    await page.waitForFunction(
      () => window.madgradTrain.losses().every((r) => r.losses.length >= 40),
      undefined,
      { timeout: 45_000 },
    );
    await page.click('[data-testid="train"]'); // pause
    const mean = (v: number[]) => v.reduce((s, c) => s + c, 0) / v.length;
    for (const r of await page.evaluate(() => window.madgradTrain.losses())) {
      const first = mean(r.losses.slice(0, 5));
      const last = mean(r.losses.slice(-10));
      assert.ok(last < 0.8 * first, `${r.method}: loss ${first} → ${last}`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fetched nothing from outside the test server', () => {
    assert.deepEqual(offsite, []);
  });
});
