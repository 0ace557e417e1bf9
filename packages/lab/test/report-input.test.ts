import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import type { Plan } from '../src/experiments/protocol.js';
import { summarize } from '../src/experiments/report/summary.js';
import { escapeHtml, htmlReport, markdownReport } from '../src/experiments/report/write-report.js';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-report-input-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const PLAN = { preset: 'smoke', tasks: ['sparse'], methods: ['sgd'], seeds: 1 };
const ABLATION = { preset: 'smoke', tasks: ['digits'], methods: ['sgd'], seeds: 1 };

let n = 0;
/** A fresh output directory holding these files (text as given, anything else as JSON). */
function outWith(files: Record<string, unknown>): string {
  const out = join(temp, `out-${n++}`);
  mkdirSync(out);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(out, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return out;
}

function report(out: string) {
  return spawnSync(process.execPath, [CLI, 'report', '--out', out], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** One bounded line naming the damaged file and field, exit 1, no stack, nothing written. */
function assertRefused(out: string, message: RegExp): void {
  const before = readdirSync(out).sort();
  const r = report(out);
  assert.equal(r.error, undefined, `still running after 20 s (${r.error?.message})`);
  assert.equal(r.status, 1, r.stderr.slice(0, 2000));
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr.slice(0, 2000));
  assert.match(lines[0]!, message);
  assert.ok(lines[0]!.length <= 500, `${lines[0]!.length} characters`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(readdirSync(out).sort(), before, 'nothing written');
}

describe('report on damaged input files', () => {
  it('plan.json that is not JSON, null, or has tasks as a string', () => {
    assertRefused(outWith({ 'plan.json': '{"preset": "sm' }), /plan\.json.*not valid JSON/);
    assertRefused(outWith({ 'plan.json': 'null' }), /plan\.json/);
    assertRefused(outWith({ 'plan.json': { ...PLAN, tasks: 'sparse' } }), /plan\.json.*tasks/);
  });

  it('plan.json with string sizes (markup included) is refused', () => {
    const size = { train: '<script>alert(1)</script>', val: 1, test: 1, epochs: 1, batchSize: 1 };
    assertRefused(
      outWith({ 'plan.json': { ...PLAN, sizes: { sparse: { ...size, width: 0 } } } }),
      /plan\.json.*sizes/,
    );
  });

  it('ablation.json that is not JSON, names an unknown preset or lacks tasks', () => {
    assertRefused(outWith({ 'ablation.json': '[1, 2' }), /ablation\.json.*not valid JSON/);
    assertRefused(
      outWith({ 'ablation.json': { ...ABLATION, preset: 'huge' } }),
      /ablation\.json.*preset/,
    );
    const { tasks: _tasks, ...noTasks } = ABLATION;
    assertRefused(outWith({ 'ablation.json': noTasks }), /ablation\.json.*tasks/);
  });

  it('a huge value is quoted briefly', () => {
    assertRefused(
      outWith({ 'plan.json': { ...PLAN, [`x${'A'.repeat(100_000)}\n`]: 1 } }),
      /plan\.json/,
    );
  });

  it('runs/ that is a file', () => {
    assertRefused(outWith({ 'plan.json': PLAN, runs: 'not a directory' }), /runs.*not a directory/);
  });
});

describe('the report writers escape what they render', () => {
  it('sizes that are not numbers never reach README.md or index.html as markup', async () => {
    const evil = '<script>alert(1)</script>';
    const plan: Plan = {
      preset: PRESET_TABLE.smoke,
      tasks: ['sparse'],
      methods: ['sgd'],
      seeds: 1,
      sizes: {
        sparse: { train: evil, val: 1, test: 1, epochs: evil, batchSize: 1, width: evil },
      } as unknown as Plan['sizes'],
    };
    const summaries = summarize(plan, []);
    assert.ok(!markdownReport(plan, summaries).includes('<script>'), 'README.md');
    assert.ok(!(await htmlReport(plan, summaries)).includes('<script>'), 'index.html');
  });

  it('escapeHtml escapes quotes as well as markup', () => {
    assert.equal(
      escapeHtml(`<a href="x" title='y'>&</a>`),
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
