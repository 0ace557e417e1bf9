import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ABLATION_SCHEDULE_NAMES,
  ablationArms,
  ablationConfig,
} from '../src/experiments/ablation.js';
import { ABLATION_METHODS, METHOD_LABELS } from '../src/experiments/methods.js';
import { sweepSpecs } from '../src/experiments/protocol.js';
import {
  type ArmSummary,
  constructionParagraphs,
} from '../src/experiments/report/ablation-report.js';
import { compareEstimates } from '../src/experiments/report/compare-estimates.js';
import { CONSTRUCTION_STEPS } from '../src/experiments/report/construction-steps.js';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-ablation-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('design ablation', () => {
  it('plans every method under a flat and a stage-wise schedule, with distinct run ids', () => {
    const arms = ablationArms(ablationConfig('quick'));
    assert.deepEqual(
      arms.map((a) => a.schedule),
      ['flat', 'stage-wise'],
    );
    const ids = arms.flatMap((a) => sweepSpecs(a.plan).map((s) => s.id));
    assert.equal(ids.length, 2 * ABLATION_METHODS.length * 6);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(arms[1]!.plan.schedule, {
      kind: 'stepwise',
      milestones: [0.5, 0.75],
      factor: 0.1,
    });
  });

  it('judges two estimates by their ±2 SE intervals', () => {
    const e = (mean: number, twoSe: number, n = 3) => ({ mean, twoSe, n });
    assert.equal(compareEstimates(e(90, 1), e(85, 1), true), 'better');
    assert.equal(compareEstimates(e(90, 1), e(85, 1), false), 'worse');
    assert.equal(compareEstimates(e(90, 3), e(85, 2.5), true), 'indistinguishable');
    assert.equal(compareEstimates(e(90, 0, 1), e(85, 1), true), 'single seed');
  });

  it('writes each paragraph from the numbers it is given', () => {
    const arms = ablationArms(ablationConfig('quick'));
    const metric = { key: 'accuracy', label: 'test accuracy (%)', higherIsBetter: true };
    // Flat: SGD clearly ahead of DA; stage-wise: DA and SGD overlap. Everything else missing.
    const fake = (values: Record<string, [number, number]>): ArmSummary['summaries'] => [
      {
        task: 'digits',
        metric,
        extraMetrics: [],
        best: [],
        methods: Object.entries(values).map(([method, [mean, twoSe]]) => ({
          method,
          metrics: { accuracy: { mean, twoSe, n: 5 } },
        })),
      } as never,
    ];
    const summaries: ArmSummary[] = [
      { arm: arms[0]!, summaries: fake({ sgd: [92, 0.5], da: [85, 1] }) },
      { arm: arms[1]!, summaries: fake({ sgd: [92, 0.5], da: [91.2, 0.5] }) },
    ];
    const [first, ...rest] = constructionParagraphs(summaries);
    assert.match(first!.text, /flat: SGD \(92\.00 ± 0\.50\) is better than DA \(85\.00 ± 1\.00\)/);
    assert.match(first!.text, /stage-wise: SGD \(92\.00 ± 0\.50\) is indistinguishable from DA/);
    assert.match(
      first!.text,
      /holds in 1 of 2 comparisons; 1 is indistinguishable and 0 go the other way/,
    );
    for (const p of rest) assert.match(p.text, /No results for this step/);
  });

  it('ablation --preset smoke (2 seeds) finishes with finite metrics for every variant and schedule, resumes, and reports them all', () => {
    const out = join(temp, 'smoke');
    const args = [
      'ablation',
      '--preset',
      'smoke',
      '--seeds',
      '2',
      '--out',
      out,
      '--jobs',
      '2',
      '--no-progress',
    ];
    const r = cli(args);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    for (const f of ['index.html', 'results.json', 'README.md', 'ablation.json'])
      assert.ok(existsSync(join(out, f)), f);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      runs: { method: string; schedule: string; status: string; final: Record<string, number> }[];
    };
    assert.equal(results.runs.length, ABLATION_METHODS.length * ABLATION_SCHEDULE_NAMES.length * 2);
    for (const method of ABLATION_METHODS) {
      for (const schedule of ABLATION_SCHEDULE_NAMES) {
        const runs = results.runs.filter((x) => x.method === method && x.schedule === schedule);
        assert.equal(runs.length, 2, `${method} ${schedule}`);
        for (const run of runs) {
          assert.equal(run.status, 'ok', `${method} ${schedule}`);
          assert.ok(Object.keys(run.final).length > 0);
          for (const v of Object.values(run.final))
            assert.ok(Number.isFinite(v), `${method} ${schedule}`);
        }
      }
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const md = readFileSync(join(out, 'README.md'), 'utf8');
    assert.ok(html.includes('<svg'), 'plots are inlined');
    assert.ok(!/src="http|href="http/.test(html), 'self-contained');
    const escapeAmp = (s: string) => s.replace(/&/g, '&amp;');
    for (const m of ABLATION_METHODS) {
      assert.ok(md.includes(`| ${METHOD_LABELS[m]} |`), `table row for ${m}`);
      assert.ok(html.includes(escapeAmp(METHOD_LABELS[m])), m);
    }
    for (const step of CONSTRUCTION_STEPS) {
      assert.ok(md.includes(`**${step.title}.** On digits`), step.title);
    }
    for (const schedule of ABLATION_SCHEDULE_NAMES) {
      assert.ok(md.includes(`## digits, ${schedule} schedule`));
      for (const plot of ['curves', 'sensitivity']) {
        const figure = `figures/digits-${schedule}-${plot}.svg`;
        assert.ok(md.includes(`](${figure})`), `README.md links ${figure}`);
        assert.match(readFileSync(join(out, figure), 'utf8'), /^<svg/, figure);
      }
    }
    // The smoke preset compares no methods: no cell is bold, every paragraph says why.
    assert.doesNotMatch(md, /\| \*\*/);
    assert.doesNotMatch(html, /<td><b>/);
    const why = 'cannot compare the methods on digits, because the smoke preset only checks';
    assert.equal(
      md.split(why).length - 1,
      CONSTRUCTION_STEPS.length + 2,
      'paragraphs and captions',
    );
    // With two seeds every paragraph reaches a verdict.
    assert.equal(
      (md.match(/holds in \d+ of \d+ comparisons/g) ?? []).length,
      CONSTRUCTION_STEPS.length,
    );

    const again = cli(args);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    // One sweep point (1 learning rate) and one seed run per method and schedule.
    const planned = ABLATION_METHODS.length * ABLATION_SCHEDULE_NAMES.length * 2;
    assert.match(
      again.stdout,
      new RegExp(`^round 1: ${planned} runs, ${planned} already stored, 0 to run`, 'm'),
    );
    assert.doesNotMatch(again.stdout, /round 2/);
  });

  it('has --help and clear errors', () => {
    assert.match(cli(['ablation', '--help']).stdout, /--preset[\s\S]*--jobs[\s\S]*--out/);
    assert.match(cli(['ablation', '--methods', 'lamb']).stderr, /unknown method "lamb"/);
    assert.match(cli(['ablation', '--tasks', 'mlm']).stderr, /unknown task "mlm"/);
  });
});
