import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type MainMethodName, METHODS } from '../src/experiments/methods.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import type { Plan } from '../src/experiments/protocol.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';
import { type ReportFiles, writtenReport } from './report-files.js';
import { storedRunFor } from './stored-runs.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-report-chance-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** The quick preset with a one-point sweep (no grid growth): three seeds of every method. */
const QUICK: Plan = {
  preset: { ...PRESET_TABLE.quick, lrExponents: [0] },
  tasks: ['digits'],
  methods: METHODS,
  seeds: 3,
};
const SMOKE: Plan = { preset: PRESET_TABLE.smoke, tasks: ['digits'], methods: METHODS, seeds: 1 };

/** Test accuracy (%) per method, or 'diverged'. Seeds differ by ±0.1 points around it. */
type Outcomes = Record<MainMethodName, number | 'diverged'>;

/** A hand-written digits run: the same accuracy on val and test after every epoch. */
function runOf(spec: RunSpec, outcome: number | 'diverged'): StoredRun {
  if (outcome === 'diverged') {
    const epochs = [{ epoch: 1, train_loss: Number.NaN }];
    return storedRunFor(spec, { status: 'diverged', epochs, final: { train_loss: Number.NaN } });
  }
  const accuracy = outcome + 0.1 * (spec.seed - 1);
  const metrics = {
    train_loss: 1,
    val_accuracy: accuracy,
    val_loss: 1,
    test_accuracy: accuracy,
    test_loss: 1,
  };
  const epochs = Array.from({ length: spec.size.epochs }, (_, i) => ({ epoch: i + 1, ...metrics }));
  return storedRunFor(spec, { epochs, final: metrics });
}

type Report = ReportFiles<{
  runs: unknown[];
  comparisons?: { task: string; comparable: boolean; reason?: string }[];
}>;

/** Stores every planned run (sweep, then the seeds of the chosen setting) and writes the report. */
function reportOf(plan: Plan, outcomes: Outcomes): Promise<Report> {
  return writtenReport(plan, (s) => runOf(s, outcomes[s.method as MainMethodName]), temp);
}

/** No best is named or marked anywhere, and each file says why the methods are not compared. */
function assertNotCompared(r: Report, why: RegExp): void {
  const sentence = /digits: this run cannot compare the methods, because /;
  assert.match(r.md, sentence);
  assert.match(r.md, why);
  assert.match(r.html, sentence);
  assert.match(r.html, why);
  assert.doesNotMatch(r.md, /best mean test|ties with the best|loses to|\*\*/);
  assert.doesNotMatch(r.html, /best mean test|ties with the best|loses to|<b>/);
  const digits = r.json.comparisons?.find((c) => c.task === 'digits');
  assert.equal(digits?.comparable, false);
  assert.match(digits?.reason ?? '', why);
}

describe('reports never crown a method that learned nothing', () => {
  it('every method at or below chance on digits (10%): the run cannot compare them', async () => {
    const r = await reportOf(QUICK, {
      madgrad: 6.25,
      'mirror-madgrad': 9.9,
      sgd: 10,
      adam: 10.05,
      adagrad: 8,
    });
    assertNotCompared(r, /every method is at or below chance \(10% for 10 classes\)/);
  });

  it('one method well above chance: it has the best mean, in bold, as before', async () => {
    const r = await reportOf(QUICK, {
      madgrad: 60,
      'mirror-madgrad': 9.9,
      sgd: 10,
      adam: 10.05,
      adagrad: 'diverged',
    });
    assert.match(r.md, /digits: MADGRAD has the best mean test accuracy \(%\)\./);
    assert.match(r.md, /\| MADGRAD \| \*\*60\.00 ± 0\.12\*\* \|/);
    assert.match(r.html, /<b>60\.00 ± 0\.12<\/b>/);
    assert.doesNotMatch(r.md, /cannot compare/);
    assert.doesNotMatch(r.html, /cannot compare/);
    const digits = r.json.comparisons?.find((c) => c.task === 'digits');
    assert.equal(digits?.comparable, true);
    // One-point sweep whose run is seed 1, then the other seeds: QUICK.seeds runs per method.
    assert.equal(r.json.runs.length, QUICK.seeds * METHODS.length);
  });

  it('the smoke preset cannot compare the methods, however far apart they are', async () => {
    const r = await reportOf(SMOKE, {
      madgrad: 60,
      'mirror-madgrad': 40,
      sgd: 30,
      adam: 20,
      adagrad: 12,
    });
    assertNotCompared(r, /the smoke preset only checks that the pipeline runs/);
  });

  it('every method diverged on every seed: the run cannot compare them', async () => {
    const r = await reportOf(QUICK, {
      madgrad: 'diverged',
      'mirror-madgrad': 'diverged',
      sgd: 'diverged',
      adam: 'diverged',
      adagrad: 'diverged',
    });
    assertNotCompared(r, /every method diverged/);
  });
});
