import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getEngine } from '../src/conformance/engines.js';
import { loadGoldenDir } from '../src/conformance/golden-case.js';
import { runConformance } from '../src/conformance/runner.js';
import { GOLDEN_DIR, ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'conformance.js');

describe('golden trajectories of the reference implementation (core engine)', () => {
  it('finds the golden cases', () => {
    assert.ok(loadGoldenDir(GOLDEN_DIR).length >= 15, `expected the golden cases in ${GOLDEN_DIR}`);
  });

  for (const resumeAt of [undefined, 0, 1, 7, 13, 1000]) {
    it(`passes every case${resumeAt === undefined ? '' : ` resuming after step ${resumeAt}`}`, async () => {
      const summary = await runConformance(await getEngine('core'), [GOLDEN_DIR], { resumeAt });
      const failures = summary.results
        .filter((r) => !r.passed)
        .map((r) => `${r.name}: ${r.detail}`);
      assert.deepEqual(failures, []);
      assert.equal(summary.passed, summary.results.length);
    });
  }

  it('fails a case whose expected values are off, naming where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    const raw = JSON.parse(readFileSync(join(GOLDEN_DIR, 'madgrad-default.json'), 'utf8'));
    raw.expected[4].b[1] += 1e-3; // ten times the tolerance at |b| ~ 1
    writeFileSync(join(dir, 'madgrad-default.json'), JSON.stringify(raw));
    const summary = await runConformance(await getEngine('core'), [dir]);
    assert.equal(summary.failed, 1);
    assert.match(summary.results[0]!.detail, /step 5 b\[1\]/);
  });

  it('fails a case whose final state has a buffer the reference does not keep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    const raw = JSON.parse(readFileSync(join(GOLDEN_DIR, 'madgrad-default.json'), 'utf8'));
    delete raw.final_state.params.w.x0; // as if the reference kept no x0 for w
    writeFileSync(join(dir, 'case.json'), JSON.stringify(raw));
    const summary = await runConformance(await getEngine('core'), [dir]);
    assert.equal(summary.failed, 1);
    assert.match(summary.results[0]!.detail, /w keeps buffers the reference does not: x0/);
  });
});

describe('conformance command line', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

  it('prints a line per case and the tally, exit 0 when all pass', () => {
    const r = run('--resume-at', '5', GOLDEN_DIR);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines.at(-1)!, /^\d+ passed, 0 failed$/);
    assert.ok(lines.some((l) => /^ok\s+madgrad-default\s+max error [\d.]+ of tolerance$/.test(l)));
  });

  it('exits non-zero for a folder without cases, an unknown engine, or a bad --resume-at', () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-'));
    const r1 = run(empty);
    assert.notEqual(r1.status, 0);
    assert.match(r1.stderr, /holds no golden case/);
    const r2 = run('--engine', 'nope', GOLDEN_DIR);
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /unknown engine "nope"/);
    const r3 = run('--resume-at', '-2', GOLDEN_DIR);
    assert.notEqual(r3.status, 0);
    const r4 = run();
    assert.notEqual(r4.status, 0);
  });

  it('exits non-zero when a case fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    const raw = JSON.parse(readFileSync(join(GOLDEN_DIR, 'mirror-default.json'), 'utf8'));
    raw.final_state.params.w.z[0] += 0.5;
    writeFileSync(join(dir, 'mirror-default.json'), JSON.stringify(raw));
    const r = run(dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^FAIL mirror-default/m);
    assert.match(r.stdout, /^0 passed, 1 failed$/m);
  });
});
