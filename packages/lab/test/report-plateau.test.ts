import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type MainMethodName, METHODS } from '../src/experiments/methods.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import type { Plan } from '../src/experiments/protocol.js';
import { formatPlateau, PLATEAU_TOLERANCE, plateauOf } from '../src/experiments/report/plateau.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';
import { writtenReport } from './report-files.js';
import { storedRunFor } from './stored-runs.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-report-plateau-'));
after(() => rmSync(temp, { recursive: true, force: true }));

describe('plateauOf', () => {
  it('compares the last epoch with the epoch at three quarters of training', () => {
    // 8 epochs: the last quarter is epochs 6 → 8; |90 - 80| / 80 = 12.5%.
    const p = plateauOf([10, 20, 30, 40, 50, 80, 85, 90])!;
    assert.deepEqual([p.fromEpoch, p.toEpoch, p.from, p.to], [6, 8, 80, 90]);
    assert.equal(p.relativeChange, 0.125);
    assert.equal(p.reached, false);
    assert.equal(formatPlateau(p), 'no: 12.5% (epochs 6→8)');
  });

  it('counts a change below 1% of the value as a plateau, in either direction', () => {
    const flat = plateauOf([3, 2.5, 2.2, 2.01, 2.0])!; // 5 epochs: epochs 4 → 5
    assert.equal(flat.fromEpoch, 4);
    assert.ok(Math.abs(flat.relativeChange - 0.01 / 2.01) < 1e-12);
    assert.equal(flat.reached, true);
    const rising = plateauOf([1, 1, 1, 1.0099])!; // 4 epochs: epochs 3 → 4
    assert.equal(rising.reached, true);
    assert.equal(plateauOf([1, 1, 1, 1 + PLATEAU_TOLERANCE])!.reached, false);
  });

  it('takes at least one epoch, and needs two epochs and finite values', () => {
    assert.equal(plateauOf([5, 4])!.fromEpoch, 1);
    assert.equal(plateauOf([5]), undefined);
    assert.equal(plateauOf([]), undefined);
    assert.equal(plateauOf([1, Number.NaN, 2]), undefined);
  });
});

/** The standard preset's digits plan with a one-point sweep and weight decay 0: five seeds each. */
const PLAN: Plan = {
  preset: { ...PRESET_TABLE.standard, lrExponents: [0], sweepWeightDecay: false },
  tasks: ['digits'],
  methods: METHODS,
  seeds: 5,
  sizes: { digits: { ...PRESET_TABLE.standard.sizes.digits, epochs: 8 } },
};

/**
 * A hand-written digits run whose validation and test accuracy follow `curve(epoch)` (epochs 1-8),
 * moved by 0.1 points per seed.
 */
function runOf(spec: RunSpec, curve: (epoch: number) => number): StoredRun {
  const epochs = Array.from({ length: spec.size.epochs }, (_, i) => {
    const accuracy = curve(i + 1) + 0.1 * (spec.seed - 2);
    return {
      epoch: i + 1,
      train_loss: 1,
      val_accuracy: accuracy,
      val_loss: 1,
      test_accuracy: accuracy,
      test_loss: 1,
    };
  });
  const { epoch: _e, ...final } = epochs.at(-1)!;
  return storedRunFor(spec, { epochs, final });
}

/** What the tests read of results.json. */
interface ResultsJson {
  comparisons: {
    comparable: boolean;
    best: string[];
    plateau: Record<string, { reached: boolean; relativeChange: number }>;
  }[];
  claims: { verdict: string }[];
}

function reportOf(curves: Record<MainMethodName, (epoch: number) => number>) {
  return writtenReport<ResultsJson>(
    PLAN,
    (s) => runOf(s, curves[s.method as MainMethodName]),
    temp,
  );
}

const flat = (level: number) => (epoch: number) => (epoch < 6 ? level - 10 : level);
const climbing = (epoch: number) => 40 + 5 * epoch; // 70 → 80 over epochs 6 → 8: 14.3%

describe('the report flags a task whose methods did not reach a plateau', () => {
  it('names the methods that missed, with their changes, in README.md, index.html and results.json', async () => {
    const r = await reportOf({
      madgrad: flat(95),
      'mirror-madgrad': flat(94),
      sgd: climbing,
      adam: flat(93),
      adagrad: flat(92),
    });
    const flag = 'digits: PLATEAU MISSED by SGD 14.3%';
    assert.ok(r.md.includes(flag), r.md);
    assert.ok(r.html.includes(flag));
    assert.match(r.md, /\| SGD \|.*\| no: 14\.3% \(epochs 6→8\) \|/);
    assert.match(r.md, /\| MADGRAD \|.*\| yes: 0\.00% \(epochs 6→8\) \|/);
    const plateau = r.json.comparisons[0]!.plateau;
    assert.equal(plateau.sgd!.reached, false);
    assert.ok(Math.abs(plateau.sgd!.relativeChange - 10 / 70) < 1e-12);
    assert.equal(plateau.madgrad!.reached, true);
  });

  it('says every method reached a plateau when each did', async () => {
    const r = await reportOf({
      madgrad: flat(95),
      'mirror-madgrad': flat(94),
      sgd: flat(90),
      adam: flat(93),
      adagrad: flat(92),
    });
    assert.ok(r.md.includes('digits: every method reached a plateau.'));
    assert.doesNotMatch(r.md, /PLATEAU MISSED/);
    // The plots are files too, linked from README.md and the same as index.html's.
    assert.ok(r.md.includes('![digits: learning curves](figures/digits-curves.svg)'));
    assert.match(r.read('figures/digits-curves.svg'), /^<svg/);
    assert.ok(r.html.includes(r.read('figures/digits-curves.svg')));
  });

  it('flags a run that learns nothing and still climbs, and compares no methods there', async () => {
    // Every method at chance (10%) at the end, still moving by more than 1%.
    const nothing = (epoch: number) => 5 + epoch * 0.6; // 8.6 → 9.8 over epochs 6 → 8
    const r = await reportOf({
      madgrad: nothing,
      'mirror-madgrad': nothing,
      sgd: nothing,
      adam: nothing,
      adagrad: nothing,
    });
    assert.match(
      r.md,
      /digits: this run cannot compare the methods, because every method is at or below chance/,
    );
    assert.match(
      r.md,
      /digits: PLATEAU MISSED by MADGRAD 14\.0%, MirrorMADGRAD 14\.0%, SGD 14\.0%/,
    );
    const [digits] = r.json.comparisons;
    assert.equal(digits!.comparable, false);
    assert.deepEqual(digits!.best, []);
    for (const c of r.json.claims) assert.equal(c.verdict, 'not judged');
  });
});
