/**
 * applyGradients in headless Chromium: our optimizers against tfjs's Adam on the webgpu and
 * webgl backends, over a model-like set of 20 variables (about 1M parameters, see
 * browser/bench-page.ts). `npm run bench:browser -- [--json] [--backends webgpu,webgl]`.
 *
 * Without a GPU, Chromium runs both APIs on SwiftShader, a CPU implementation: the ratios then
 * measure dispatch counts and memory traffic, not a real GPU's speed. MADGRAD_WEBGPU_ADAPTER=default
 * lets Chromium use a real GPU where one is present.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openBundledPage } from '../browser/headless-chromium.js';
import type { BrowserBackend } from '../browser/page-backends.js';
import type { BenchOptimizer, BenchPageApi } from './browser/bench-page.js';

declare const window: { madgradBench: BenchPageApi };

const PAGE_SCRIPT = fileURLToPath(new URL('./browser/bench-page.js', import.meta.url));
const OPTIMIZERS: readonly BenchOptimizer[] = ['adam', 'madgrad', 'mirror-madgrad', 'madgrad-ops'];

interface Result {
  name: string;
  /** null when the optimizer failed on that backend (see `error`). */
  nsPerParam: number | null;
  params?: number;
  stepPath?: string;
  error?: string;
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench:browser -- [--json] [--backends webgpu,webgl] [--steps N] [--rounds N]\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values: { json?: boolean; backends?: string; steps?: string; rounds?: string };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        backends: { type: 'string' },
        steps: { type: 'string' },
        rounds: { type: 'string' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const count = (text: string | undefined, fallback: number, what: string) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) usage(`--${what}: "${text}" is not a positive integer`);
    return n;
  };
  const steps = count(values.steps, 10, 'steps');
  const rounds = count(values.rounds, 7, 'rounds');
  const backends = (values.backends ?? 'webgpu,webgl').split(',') as BrowserBackend[];
  for (const b of backends) {
    if (!['webgpu', 'webgl', 'wasm', 'cpu'].includes(b)) usage(`--backends: unknown "${b}"`);
  }

  const results: Result[] = [];
  const browser = await openBundledPage(PAGE_SCRIPT, 'madgrad browser benchmark');
  try {
    const { page } = browser;
    await page.waitForFunction(() => window.madgradBench !== undefined);
    for (const backend of backends) {
      let started: string | null = null;
      try {
        await page.evaluate((b) => window.madgradBench.start(b), backend);
      } catch (e) {
        started = (e as Error).message.split('\n')[0]!;
      }
      process.stderr.write(`${backend}...\n`);
      if (started !== null) {
        for (const o of OPTIMIZERS) {
          results.push({ name: `${backend}-${o}`, nsPerParam: null, error: started });
        }
        continue;
      }
      // The ops path's synchronous read-back fails on webgpu and breaks the device for the rest.
      const which = OPTIMIZERS.filter((o) => backend !== 'webgpu' || o !== 'madgrad-ops');
      const rows = await page.evaluate(([o, s, n]) => window.madgradBench.run(o, s, n), [
        which,
        steps,
        rounds,
      ] as const);
      for (const row of rows) {
        const name = `${backend}-${row.which}`;
        if ('error' in row) results.push({ name, nsPerParam: null, error: row.error! });
        else {
          const { which: _which, ...rest } = row;
          results.push({ ...rest, name, nsPerParam: Number(rest.nsPerParam.toFixed(4)) });
        }
      }
    }
  } finally {
    await browser.close();
  }

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ results })}\n`);
    return;
  }
  const width = Math.max(...results.map((r) => r.name.length));
  process.stdout.write('ns per parameter and step (SwiftShader, where no GPU: a CPU emulation)\n');
  for (const r of results) {
    const figure = r.nsPerParam === null ? `failed: ${r.error}` : r.nsPerParam.toFixed(3);
    const path = r.stepPath ? `  (${r.stepPath})` : '';
    process.stdout.write(`${r.name.padEnd(width)}  ${figure}${path}\n`);
  }
  for (const backend of backends) {
    const get = (o: string) => results.find((r) => r.name === `${backend}-${o}`)?.nsPerParam;
    const m = get('madgrad');
    const a = get('adam');
    if (m && a) process.stdout.write(`${backend}: madgrad / adam = ${(m / a).toFixed(2)}\n`);
  }
}

await main();
