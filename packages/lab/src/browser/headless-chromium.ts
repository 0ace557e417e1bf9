import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { bundlePage } from './page-bundle.js';
import { type StaticServer, serveStatic } from './static-server.js';

/** The Chromium to drive: Debian's package by default (nothing is ever downloaded). */
export const CHROMIUM = process.env.MADGRAD_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for headless Chromium. WebGL2 runs with the defaults (on SwiftShader where there is no
 * GPU); WebGPU needs to be enabled, and SwiftShader named as its adapter where no GPU driver is
 * usable. Set MADGRAD_WEBGPU_ADAPTER=default to let Chromium pick a real GPU instead.
 */
function chromiumArgs(): string[] {
  const adapter = process.env.MADGRAD_WEBGPU_ADAPTER ?? 'swiftshader';
  return [
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-webgpu',
    ...(adapter === 'default' ? [] : [`--use-webgpu-adapter=${adapter}`]),
  ];
}

export interface BrowserPage {
  readonly page: Page;
  /** Closes the page, the browser, the server and removes the bundle. */
  close(): Promise<void>;
}

/**
 * Bundles `entry` (a compiled page script), serves it on 127.0.0.1 (cross-origin isolated with
 * `isolated`), and opens it in headless Chromium. Anything the page asks of another origin is
 * refused: the page works offline. Console errors of the page are forwarded to stderr.
 */
export async function openBundledPage(
  entry: string,
  title: string,
  options: { isolated?: boolean } = {},
): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set MADGRAD_CHROMIUM`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'madgrad-page-'));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  try {
    await bundlePage(entry, dir, title);
    server = await serveStatic(dir, options.isolated ?? false);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: chromiumArgs(),
    });
    const page = await browser.newPage();
    const origin = server.url;
    await page.route('**/*', (route) =>
      route.request().url().startsWith(origin) ? route.continue() : route.abort(),
    );
    page.on('console', (m) => {
      if (m.type() === 'error') process.stderr.write(`[page] ${m.text()}\n`);
    });
    page.on('pageerror', (e) => process.stderr.write(`[page] ${e.message}\n`));
    await page.goto(`${origin}index.html`, { waitUntil: 'load' });
    const opened = { server, browser };
    return {
      page,
      close: async () => {
        await opened.browser.close();
        await opened.server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
