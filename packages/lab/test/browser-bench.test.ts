import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CHROMIUM } from '../src/browser/headless-chromium.js';

/**
 * `npm run bench:browser -- --json` as a command (the script it runs after building), on the
 * small model so that it takes seconds: the four names the goals speak of, each with a finite
 * positive figure, and the two ratios.
 */
const BENCH = fileURLToPath(new URL('../src/bench/browser-bench.js', import.meta.url));
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it`);

interface Output {
  results: { name: string; nsPerParam: number | null; min?: number; max?: number }[];
  ratios: { name: string; median: number; min: number; max: number; goal: number }[];
}

it('bench:browser --json prints webgpu/webgl madgrad and adam with finite positive figures', {
  skip: missing && `no ${CHROMIUM}`,
}, async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [BENCH, '--json', '--size', 'small', '--steps', '2', '--rounds', '3'],
    { timeout: 120_000 },
  );
  const out = JSON.parse(stdout) as Output;
  for (const name of ['webgpu-madgrad', 'webgpu-adam', 'webgl-madgrad', 'webgl-adam']) {
    const r = out.results.find((x) => x.name === name);
    assert.ok(r, `${name} missing from ${stdout}`);
    assert.ok(Number.isFinite(r.nsPerParam) && r.nsPerParam! > 0, `${name}: ${r.nsPerParam}`);
    assert.ok(r.min! <= r.nsPerParam! && r.nsPerParam! <= r.max!, `${name}: spread`);
  }
  assert.deepEqual(
    out.ratios.map((r) => [r.name, r.goal]),
    [
      ['webgpu-madgrad/webgpu-adam', 0.5],
      ['webgl-madgrad/webgl-adam', 1],
    ],
  );
  for (const r of out.ratios) assert.ok(r.min <= r.median && r.median <= r.max && r.min > 0);
});
