/**
 * applyGradients in headless Chromium: our optimizers against tfjs's Adam on the webgpu and
 * webgl backends, over a model-like set of 20 variables (about 1M parameters, see
 * browser/bench-page.ts). `npm run bench:browser -- [--json] [--backends webgpu,webgl]
 * [--steps N] [--rounds N] [--size full|small]`.
 *
 * The optimizers take turns round by round in one page, so a machine busy with other work slows
 * them alike; each figure is the median over rounds, with the rounds' spread, and each ratio
 * madgrad / adam is the median of the per-round ratios (round i of both ran back to back).
 *
 * Without a GPU, Chromium runs both APIs on SwiftShader, a CPU implementation: the ratios then
 * measure dispatch counts and memory traffic, not a real GPU's speed. MADGRAD_WEBGPU_ADAPTER=default
 * lets Chromium use a real GPU where one is present.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BrowserBackend } from '../browser/page-backends.js';
import { MissingPackageError, requireOptional } from '../experiments/optional-packages.js';
import type { BenchOptimizer, BenchPageApi, BenchSize } from './browser/bench-page.js';

declare const window: { madgradBench: BenchPageApi };

const PAGE_SCRIPT = fileURLToPath(new URL('./browser/bench-page.js', import.meta.url));
const OPTIMIZERS: readonly BenchOptimizer[] = ['adam', 'madgrad', 'mirror-madgrad', 'madgrad-ops'];

interface Result {
  name: string;
  /** Median over rounds; null when the optimizer failed on that backend (see `error`). */
  nsPerParam: number | null;
  /** The fastest and slowest round. */
  min?: number;
  max?: number;
  rounds?: number[];
  params?: number;
  stepPath?: string;
  error?: string;
}

/** madgrad / adam on one backend: the median of the per-round ratios, and their range. */
interface Ratio {
  name: string;
  median: number;
  min: number;
  max: number;
  /** The goal the ratio should meet (at most). */
  goal: number;
}

/** Goals of madgrad / adam by backend. */
const GOALS: Readonly<Record<string, number>> = { webgpu: 0.5, webgl: 1.0 };

const round4 = (x: number) => Number(x.toFixed(4));

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** madgrad / adam per round where both ran on `backend`. */
function ratioOf(results: readonly Result[], backend: string): Ratio | null {
  const get = (o: string) => results.find((r) => r.name === `${backend}-${o}`)?.rounds;
  const m = get('madgrad');
  const a = get('adam');
  if (!m || !a || m.length !== a.length) return null;
  const perRound = m.map((x, i) => x / a[i]!);
  return {
    name: `${backend}-madgrad/${backend}-adam`,
    median: round4(median(perRound)),
    min: round4(Math.min(...perRound)),
    max: round4(Math.max(...perRound)),
    goal: GOALS[backend] ?? 1,
  };
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run bench:browser -- [--json] [--backends webgpu,webgl] [--steps N] [--rounds N] [--size full|small]\n`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values: {
    json?: boolean;
    backends?: string;
    steps?: string;
    rounds?: string;
    size?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        backends: { type: 'string' },
        steps: { type: 'string' },
        rounds: { type: 'string' },
        size: { type: 'string' },
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
  const size = (values.size ?? 'full') as BenchSize;
  if (size !== 'full' && size !== 'small') usage(`--size: "${values.size}" is not full or small`);
  const backends = (values.backends ?? 'webgpu,webgl').split(',') as BrowserBackend[];
  for (const b of backends) {
    if (!['webgpu', 'webgl', 'wasm', 'cpu'].includes(b)) usage(`--backends: unknown "${b}"`);
  }

  const results: Result[] = [];
  try {
    requireOptional('browser');
  } catch (e) {
    if (!(e instanceof MissingPackageError)) throw e;
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  // Every package of the page and its browser resolves (checked above).
  const { openBundledPage } = await import('../browser/headless-chromium.js');
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
      const rows = await page.evaluate(([o, s, n, z]) => window.madgradBench.run(o, s, n, z), [
        which,
        steps,
        rounds,
        size,
      ] as const);
      for (const row of rows) {
        const name = `${backend}-${row.which}`;
        if ('error' in row) results.push({ name, nsPerParam: null, error: row.error! });
        else {
          const { which: _which, rounds: perRound, nsPerParam, ...rest } = row;
          results.push({
            name,
            nsPerParam: round4(nsPerParam),
            min: round4(Math.min(...perRound)),
            max: round4(Math.max(...perRound)),
            rounds: perRound.map(round4),
            ...rest,
          });
        }
      }
    }
  } finally {
    await browser.close();
  }

  const ratios = backends.map((b) => ratioOf(results, b)).filter((r) => r !== null);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ results, ratios })}\n`);
    return;
  }
  const width = Math.max(...results.map((r) => r.name.length));
  process.stdout.write(
    'ns per parameter and step, median of rounds [fastest, slowest] (SwiftShader, where no GPU: a CPU emulation)\n',
  );
  for (const r of results) {
    const figure =
      r.nsPerParam === null
        ? `failed: ${r.error}`
        : `${r.nsPerParam.toFixed(3)}  [${r.min!.toFixed(1)}, ${r.max!.toFixed(1)}]`;
    const path = r.stepPath ? `  (${r.stepPath})` : '';
    process.stdout.write(`${r.name.padEnd(width)}  ${figure}${path}\n`);
  }
  for (const r of ratios) {
    process.stdout.write(
      `${r.name} = ${r.median.toFixed(2)} (rounds ${r.min.toFixed(2)}–${r.max.toFixed(2)}; goal <= ${r.goal})\n`,
    );
  }
}

await main();
