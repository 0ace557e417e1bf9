import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  learningCurveSpec,
  powerOfTwoAxis,
  powerOfTwoLabel,
  renderSvg,
  sensitivitySpec,
} from '../src/experiments/report/charts.js';
import type { MethodSummary, TaskSummary } from '../src/experiments/report/summary.js';
import { textHtml } from '../src/experiments/report/write-report.js';
import { TASK_REGISTRY } from '../src/experiments/tasks/index.js';

/** A digits summary written by hand: one method, a sweep over 2^-9 … 2^-6, a 3-epoch curve. */
function summary(): TaskSummary {
  const method = {
    task: 'digits',
    method: 'madgrad',
    label: 'MADGRAD',
    metrics: {},
    curves: [1, 2, 3].map((epoch) => ({ epoch, key: 'train_loss', mean: 1 / epoch, twoSe: 0.1 })),
    sensitivity: [2 ** -9, 2 ** -8, 2 ** -7, 2 ** -6].map((lr, i) => ({
      lr,
      weightDecay: 0,
      value: 90 + i,
      status: 'ok',
    })),
  } as unknown as MethodSummary;
  const metric = TASK_REGISTRY.digits.metric;
  return {
    task: 'digits',
    metric,
    extraMetrics: [],
    methods: [method],
    best: [],
    notComparable: null,
  };
}

describe('report cosmetics', () => {
  it('labels powers of 2 with superscripts', () => {
    assert.equal(powerOfTwoLabel(-8), '2⁻⁸');
    assert.equal(powerOfTwoLabel(0), '2⁰');
    assert.equal(powerOfTwoLabel(12), '2¹²');
    assert.deepEqual(powerOfTwoAxis([0.003, 0.02]).values, [
      2 ** -9,
      2 ** -8,
      2 ** -7,
      2 ** -6,
      2 ** -5,
    ]);
  });

  it('prints the sweep axis as 2ᵏ, not as decimals', async () => {
    const svg = await renderSvg(sensitivitySpec(summary()));
    for (const label of ['2⁻⁹', '2⁻⁸', '2⁻⁷', '2⁻⁶']) assert.ok(svg.includes(`>${label}<`), label);
    assert.ok(!svg.includes('>0.00390625<'));
  });

  it('draws the learning curves legend at full strength, not at the band opacity', async () => {
    const svg = await renderSvg(learningCurveSpec(summary()));
    const legend = svg.slice(svg.indexOf('role-legend'));
    assert.ok(legend.length > 0);
    assert.doesNotMatch(legend.slice(0, 2000), /opacity="0\.2"/);
  });

  it('turns the reports’ markdown into tags instead of showing backticks', () => {
    assert.equal(
      textHtml('Preset `quick`: **best** <x>'),
      'Preset <code>quick</code>: <b>best</b> &lt;x&gt;',
    );
  });
});
