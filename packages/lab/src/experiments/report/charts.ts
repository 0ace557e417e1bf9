import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { taskDefinition } from '../tasks/index.js';
import type { TaskSummary } from './summary.js';

/** Renders a Vega-Lite spec to an SVG string, headless (no browser, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

function curveLabel(task: TaskSummary, key: string): string {
  if (key === 'train_loss') return 'train loss';
  const m = [task.metric, ...task.extraMetrics].find((x) => `test_${x.key}` === key);
  return m?.label ?? key;
}

/**
 * Learning curves: train loss and each test metric against epochs, the mean over seeds as a line
 * and ±2 SE as a band, one colour per method, one panel per quantity.
 */
export function learningCurveSpec(task: TaskSummary): TopLevelSpec {
  const values = task.methods.flatMap((m) =>
    m.curves.map((c) => ({
      method: m.label,
      epoch: c.epoch,
      panel: curveLabel(task, c.key),
      mean: c.mean,
      lo: c.mean - c.twoSe,
      hi: c.mean + c.twoSe,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 230,
      height: 170,
      layer: [
        {
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
            y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: null },
            y2: { field: 'hi' },
            color: {
              field: 'method',
              type: 'nominal',
              title: 'method',
              // The legend shares this layer's colours but draws them at full strength.
              legend: { symbolOpacity: 1, symbolType: 'stroke', symbolStrokeWidth: 2 },
              // More than ten methods (the ablation) need a longer palette than the default.
              ...(task.methods.length > 10 ? { scale: { scheme: 'tableau20' } } : {}),
            },
          },
        },
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'epoch', type: 'quantitative' },
            y: { field: 'mean', type: 'quantitative', scale: { zero: false } },
            color: { field: 'method', type: 'nominal' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '-': '⁻',
  0: '⁰',
  1: '¹',
  2: '²',
  3: '³',
  4: '⁴',
  5: '⁵',
  6: '⁶',
  7: '⁷',
  8: '⁸',
  9: '⁹',
};

/** 2^k written as "2⁻⁸". */
export function powerOfTwoLabel(k: number): string {
  return `2${[...String(k)].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * A log-2 axis with a tick at each power of 2 from below the smallest to above the largest
 * value, labelled 2ᵏ (Vega would print 0.00390625).
 */
export function powerOfTwoAxis(values: readonly number[]): { values: number[]; labelExpr: string } {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return { values: [], labelExpr: 'datum.label' };
  const lo = Math.floor(Math.log2(Math.min(...positive)));
  const hi = Math.ceil(Math.log2(Math.max(...positive)));
  const ks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const labelExpr = ks.reduceRight(
    (rest, k) => `datum.value === ${2 ** k} ? '${powerOfTwoLabel(k)}' : ${rest}`,
    'datum.label',
  );
  return { values: ks.map((k) => 2 ** k), labelExpr };
}

/** The sweep: final validation metric against the learning rate (log scale), per method. */
export function sensitivitySpec(task: TaskSummary): TopLevelSpec {
  const values = task.methods.flatMap((m) =>
    m.sensitivity
      .filter((s) => s.value !== null)
      .map((s) => ({ method: m.label, lr: s.lr, weightDecay: s.weightDecay, value: s.value })),
  );
  const title = `validation ${taskDefinition(task.task).metric.label.replace(/^test /, '')}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 200,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'lr',
        type: 'quantitative',
        scale: { type: 'log', base: 2 },
        axis: powerOfTwoAxis(values.map((v) => v.lr)),
        title: 'learning rate',
      },
      y: { field: 'value', type: 'quantitative', scale: { zero: false }, title },
      color: { field: 'method', type: 'nominal' },
      detail: { field: 'weightDecay', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** `sparse`: the optimality gap f(x_k) − f* on a log scale, against the optimizer step. */
export function gapSpec(
  task: TaskSummary,
  gap: { method: string; step: number; gap: number }[],
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 360,
    height: 200,
    data: { values: gap.filter((g) => g.gap > 0) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: {
        field: 'gap',
        type: 'quantitative',
        scale: { type: 'log' },
        axis: { format: '.0e' },
        title: 'f(x_k) − f* (train)',
      },
      color: { field: 'method', type: 'nominal' },
    },
    title: taskDefinition(task.task).optimalityGap ? undefined : task.task,
  } as TopLevelSpec;
}
