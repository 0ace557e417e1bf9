import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METHOD_LABELS, type MethodName } from '../src/experiments/methods.js';
import {
  judgeClaim,
  judgeClaims,
  PAPER_CLAIMS,
  type PaperClaim,
} from '../src/experiments/report/paper-claims.js';
import type { MethodSummary, TaskSummary } from '../src/experiments/report/summary.js';
import { type BuiltinTaskName, TASK_REGISTRY } from '../src/experiments/tasks/index.js';

/** A task summary written by hand: each method's primary test metric as [mean, 2 SE, seeds]. */
function summaryOf(
  task: BuiltinTaskName,
  estimates: Partial<Record<MethodName, [number, number, number]>>,
  notComparable: string | null = null,
): TaskSummary {
  const metric = TASK_REGISTRY[task].metric;
  const methods = Object.entries(estimates).map(
    ([method, [mean, twoSe, n]]) =>
      ({
        task,
        method,
        label: METHOD_LABELS[method as MethodName],
        metrics: { [metric.key]: { mean, twoSe, n } },
      }) as unknown as MethodSummary,
  );
  return { task, metric, extraMetrics: [], methods, best: [], notComparable };
}

const claim = (task: BuiltinTaskName, text: string): PaperClaim =>
  PAPER_CLAIMS.find((c) => c.task === task && c.claim.startsWith(text))!;

describe("the paper's claims, judged from the numbers", () => {
  const best = claim('digits', 'MADGRAD has the best');

  it('holds when every comparison goes the paper way beyond ±2 SE', () => {
    const s = summaryOf('digits', {
      madgrad: [97, 0.2, 5],
      sgd: [96, 0.2, 5],
      adam: [95, 0.3, 5],
      adagrad: [94, 0.3, 5],
    });
    const j = judgeClaim(best, s);
    assert.equal(j.verdict, 'holds');
    assert.equal(
      j.text,
      'digits (CIFAR-10 and ImageNet ResNets): "MADGRAD has the best test accuracy": holds. test accuracy (%), mean ± 2 SE: MADGRAD (97.00 ± 0.20) is ahead of SGD (96.00 ± 0.20); MADGRAD (97.00 ± 0.20) is ahead of Adam (95.00 ± 0.30); MADGRAD (97.00 ± 0.20) is ahead of AdaGrad (94.00 ± 0.30).',
    );
  });

  it('is tied when an interval overlaps and none goes the other way', () => {
    const s = summaryOf('digits', {
      madgrad: [97, 0.5, 5],
      sgd: [96.8, 0.5, 5],
      adam: [95, 0.3, 5],
      adagrad: [94, 0.3, 5],
    });
    assert.equal(judgeClaim(best, s).verdict, 'tied');
    assert.match(judgeClaim(best, s).text, /MADGRAD \(97\.00 ± 0\.50\) is tied with SGD/);
  });

  it('is contradicted when one comparison goes the other way beyond ±2 SE', () => {
    const s = summaryOf('digits', {
      madgrad: [97, 0.2, 5],
      sgd: [96.8, 0.5, 5],
      adam: [98, 0.2, 5],
      adagrad: [94, 0.3, 5],
    });
    const j = judgeClaim(best, s);
    assert.equal(j.verdict, 'contradicted');
    assert.match(j.text, /MADGRAD \(97\.00 ± 0\.20\) is behind Adam \(98\.00 ± 0\.20\)/);
  });

  it('reads "lower is better" for losses', () => {
    const mlm = claim('mlm', 'MADGRAD beats Adam');
    const s = summaryOf('mlm', { madgrad: [2.07, 0.005, 5], adam: [2.09, 0.005, 5] });
    assert.equal(judgeClaim(mlm, s).verdict, 'holds');
    const flipped = summaryOf('mlm', { madgrad: [2.09, 0.005, 5], adam: [2.07, 0.005, 5] });
    assert.equal(judgeClaim(mlm, flipped).verdict, 'contradicted');
  });

  it('judges nothing where the run cannot compare, a method is missing or has one seed', () => {
    type E = [number, number, number];
    const all: Partial<Record<MethodName, E>> = {
      madgrad: [97, 0.2, 5],
      sgd: [96, 0.2, 5],
      adam: [95, 0.3, 5],
    };
    const missing = judgeClaim(best, summaryOf('digits', { ...all }));
    assert.equal(missing.verdict, 'not judged');
    assert.match(missing.text, /not judged, because AdaGrad has no result\.$/);
    const oneSeed = judgeClaim(best, summaryOf('digits', { ...all, adagrad: [94, 0, 1] }));
    assert.equal(oneSeed.verdict, 'not judged');
    const chance = judgeClaim(
      best,
      summaryOf('digits', { ...all, adagrad: [94, 0.3, 5] }, 'every method is at chance'),
    );
    assert.match(chance.text, /not judged, because this run cannot compare the methods there\.$/);
  });

  it('covers each task of the reproduction, and judges only the tasks a run has', () => {
    assert.deepEqual(
      [...new Set(PAPER_CLAIMS.map((c) => c.task))],
      ['digits', 'kspace', 'g2p', 'mlm', 'sparse'],
    );
    const judged = judgeClaims([summaryOf('mlm', { madgrad: [2, 0.1, 3] })]);
    assert.deepEqual(
      judged.map((j) => j.task),
      ['mlm', 'mlm'],
    );
  });
});
