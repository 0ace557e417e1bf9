import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { TASK_REGISTRY } from '../tasks/index.js';
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

/** The sweep: final validation metric against the learning rate (log scale), per method. */
export function sensitivitySpec(task: TaskSummary): TopLevelSpec {
  const values = task.methods.flatMap((m) =>
    m.sensitivity
      .filter((s) => s.value !== null)
      .map((s) => ({ method: m.label, lr: s.lr, weightDecay: s.weightDecay, value: s.value })),
  );
  const title = `validation ${TASK_REGISTRY[task.task].metric.label.replace(/^test /, '')}`;
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
        title: 'f(x_k) − f* (train)',
      },
      color: { field: 'method', type: 'nominal' },
    },
    title: TASK_REGISTRY[task.task].optimalityGap ? undefined : task.task,
  } as TopLevelSpec;
}
