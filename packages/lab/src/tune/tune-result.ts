import { METHOD_LABELS, type MethodName } from '../experiments/methods.js';
import { type Plan, sweepCapped } from '../experiments/protocol.js';
import { compareEstimates } from '../experiments/report/compare-estimates.js';
import { type Estimate, formatEstimate, summarize } from '../experiments/report/summary.js';
import type { StoredRun } from '../experiments/run-record.js';

/** One method's outcome on the task: its chosen setting, its test metric, its sweep. */
export interface TunedMethod {
  readonly method: MethodName;
  /** Its name in the report (MADGRAD, Adam, …). */
  readonly label: string;
  /** The learning rate chosen on validation. */
  readonly lr: number;
  readonly weightDecay: number;
  /** The test metric of the chosen setting: mean ± 2 SE over its seeds that finished. */
  readonly test: Estimate;
  readonly seedsOk: number;
  readonly seedsDiverged: number;
  /** Seeds without a usable record (failed or not run). */
  readonly seedsMissing: number;
  /** Whether the sweep stopped at its cap with its best point still on the grid's edge. */
  readonly capped: boolean;
  /** Every point of the sweep: its final validation metric (null: diverged, failed or missing). */
  readonly sweep: readonly {
    readonly lr: number;
    readonly weightDecay: number;
    readonly value: number | null;
    readonly status: string;
  }[];
}

/** MADGRAD against one baseline on the test metric (±2 SE intervals apart, or overlapping). */
export interface TuneComparison {
  readonly baseline: MethodName;
  /** `not judged`: a single seed (no error bars) or a method without a result. */
  readonly verdict: 'better' | 'tied' | 'worse' | 'not judged';
  readonly madgrad: Estimate;
  readonly other: Estimate;
}

/** What `tune` found. */
export interface TuneResult {
  readonly task: string;
  readonly preset: string;
  readonly seeds: number;
  readonly metric: { readonly name: string; readonly higherIsBetter: boolean };
  /** The method with the best mean test metric and its setting (null: no method has a result). */
  readonly recommended: {
    readonly method: MethodName;
    readonly label: string;
    readonly lr: number;
    readonly weightDecay: number;
    readonly test: Estimate;
  } | null;
  /** The methods whose ±2 SE intervals overlap the recommended one's. */
  readonly tiedWithRecommended: readonly MethodName[];
  readonly methods: readonly TunedMethod[];
  /** MADGRAD against each other method but MirrorMADGRAD (empty without MADGRAD). */
  readonly comparisons: readonly TuneComparison[];
  /** Runs that failed (an exception, not a divergence): tune again on the same `out` to retry them. */
  readonly failed: { readonly runs: number; readonly firstError: string | null };
  /** Why the runs cannot compare the methods (the smoke preset, no method learned), or null. */
  readonly notComparable: string | null;
  /** The report's files (index.html, README.md, results.json, figures) and tune.txt, tune.json. */
  readonly files: readonly string[];
}

/** The result of a finished plan of one task, from its stored runs (files: filled in by tune). */
export function tuneResultOf(plan: Plan, stored: readonly StoredRun[]): Omit<TuneResult, 'files'> {
  const task = plan.tasks[0]!;
  const summary = summarize(plan, stored).find((s) => s.task === task)!;
  const byId = new Map(stored.filter((r) => r.status !== 'failed').map((r) => [r.id, r]));
  const key = summary.metric.key;
  const empty: Estimate = { mean: Number.NaN, twoSe: Number.NaN, n: 0 };
  const methods: TunedMethod[] = summary.methods.map((m) => ({
    method: m.method,
    label: m.label,
    lr: m.chosen.lr,
    weightDecay: m.chosen.weightDecay,
    test: m.metrics[key] ?? empty,
    seedsOk: m.seedsOk,
    seedsDiverged: m.seedsDiverged,
    seedsMissing: m.seedsMissing,
    capped: sweepCapped({ ...plan, methods: [m.method] }, task, m.method, byId),
    sweep: m.sensitivity,
  }));
  const sign = summary.metric.higherIsBetter ? 1 : -1;
  const ranked = methods
    .filter((m) => Number.isFinite(m.test.mean))
    .sort((a, b) => sign * (b.test.mean - a.test.mean));
  const best = ranked[0];
  const tied = best
    ? ranked
        .slice(1)
        .filter((m) => Math.abs(m.test.mean - best.test.mean) <= m.test.twoSe + best.test.twoSe)
        .map((m) => m.method)
    : [];
  const madgrad = methods.find((m) => m.method === 'madgrad');
  const comparisons: TuneComparison[] = madgrad
    ? methods
        .filter((m) => m.method !== 'madgrad' && m.method !== 'mirror-madgrad')
        .map((m) => {
          const finite = Number.isFinite(madgrad.test.mean) && Number.isFinite(m.test.mean);
          const c = finite
            ? compareEstimates(madgrad.test, m.test, summary.metric.higherIsBetter)
            : 'single seed';
          const verdict =
            c === 'indistinguishable' ? 'tied' : c === 'single seed' ? 'not judged' : c;
          return { baseline: m.method, verdict, madgrad: madgrad.test, other: m.test };
        })
    : [];
  const failed = stored.filter((r) => r.task === task && r.status === 'failed');
  return {
    task,
    preset: plan.preset.name,
    seeds: plan.seeds,
    metric: { name: key, higherIsBetter: summary.metric.higherIsBetter },
    recommended: best
      ? {
          method: best.method,
          label: best.label,
          lr: best.lr,
          weightDecay: best.weightDecay,
          test: best.test,
        }
      : null,
    tiedWithRecommended: tied,
    methods,
    comparisons,
    failed: { runs: failed.length, firstError: failed[0]?.error ?? null },
    notComparable: summary.notComparable,
  };
}

const seedsText = (e: Estimate) => `${e.n} seed${e.n === 1 ? '' : 's'}`;

/** The result as the lines `madgrad-lab tune` prints (and writes to tune.txt). */
export function formatTuneResult(result: TuneResult): string {
  const metric = `test ${result.metric.name} (${result.metric.higherIsBetter ? 'higher' : 'lower'} is better)`;
  const lines = [
    `task ${result.task}, ${result.preset} preset, up to ${result.seeds} seed${result.seeds === 1 ? '' : 's'}: ${metric}, mean ± 2 SE`,
  ];
  const r = result.recommended;
  if (r) {
    const tied = result.tiedWithRecommended.map((m) => METHOD_LABELS[m]);
    lines.push(
      `recommended: ${r.label} at learning rate ${r.lr}${r.weightDecay ? `, weight decay ${r.weightDecay}` : ''}: ${formatEstimate(r.test)} (${seedsText(r.test)})${tied.length ? `; tied with ${tied.join(', ')}` : ''}`,
    );
  } else {
    lines.push('recommended: none (no method finished a run with a finite metric)');
  }
  if (result.failed.runs > 0) {
    lines.push(
      `${result.failed.runs} runs failed (first: ${result.failed.firstError}): tune again on the same --out to retry them`,
    );
  }
  if (result.notComparable) lines.push(`the methods are not compared: ${result.notComparable}`);
  for (const c of result.comparisons) {
    lines.push(
      `MADGRAD against ${METHOD_LABELS[c.baseline]}: ${c.verdict} (${formatEstimate(c.madgrad)} against ${formatEstimate(c.other)})`,
    );
  }
  lines.push('learning rates chosen on validation:');
  const width = Math.max(...result.methods.map((m) => m.label.length));
  for (const m of result.methods) {
    const lrs = [...new Set(m.sweep.map((p) => p.lr))].sort((a, b) => a - b);
    const swept =
      lrs.length > 1 ? `swept ${lrs[0]} to ${lrs.at(-1)} (${lrs.length} rates)` : `one rate`;
    const outcome = [
      m.seedsDiverged ? `${m.seedsDiverged} seeds diverged` : '',
      m.seedsMissing ? `${m.seedsMissing} seeds without a result` : '',
      m.capped
        ? 'the sweep hit its cap with the best rate on its edge: a wider sweep may do better'
        : '',
    ].filter(Boolean);
    lines.push(
      `  ${m.label.padEnd(width)}  lr ${m.lr}${m.weightDecay ? `, wd ${m.weightDecay}` : ''}: ${formatEstimate(m.test)}; ${swept}${outcome.length ? `; ${outcome.join('; ')}` : ''}`,
    );
  }
  if (!result.methods.some((m) => m.capped)) lines.push('no sweep hit its cap');
  return `${lines.join('\n')}\n`;
}
