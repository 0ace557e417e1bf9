import { type Hyperparameters, METHOD_LABELS, type MethodName } from '../methods.js';
import { finalRuns, type Plan, sweepSpecs } from '../protocol.js';
import { finalMetrics, type StoredRun } from '../run-record.js';
import { mean, meanWithTwoSe } from '../stats.js';
import { type TaskName, taskDefinition } from '../tasks/index.js';
import type { MetricInfo } from '../tasks/task.js';
import { comparability } from './comparability.js';
import { type Plateau, plateauOf } from './plateau.js';

export interface Estimate {
  readonly mean: number;
  readonly twoSe: number;
  readonly n: number;
}

/** What the report shows for one task and method. */
export interface MethodSummary {
  readonly task: TaskName;
  readonly method: MethodName;
  readonly label: string;
  readonly chosen: Hyperparameters;
  /** Final test metrics over the seeds of the chosen setting (ok runs only). */
  readonly metrics: Record<string, Estimate>;
  readonly seedsOk: number;
  readonly seedsDiverged: number;
  /** Seeds without a usable record (failed or not run). */
  readonly seedsMissing: number;
  /** Per epoch: mean ± 2 SE of train loss and the test metrics. */
  readonly curves: { epoch: number; key: string; mean: number; twoSe: number }[];
  /** The plateau check on the chosen setting's mean validation curve (undefined: too few epochs or no finite values). */
  readonly plateau?: Plateau;
  /** The sweep: learning rate against the final validation metric (null: diverged or failed). */
  readonly sensitivity: { lr: number; weightDecay: number; value: number | null; status: string }[];
}

export interface TaskSummary {
  readonly task: TaskName;
  readonly metric: MetricInfo;
  readonly extraMetrics: readonly MetricInfo[];
  readonly methods: MethodSummary[];
  /** Method(s) with the best mean primary metric among those that learned; none when not comparable. */
  readonly best: MethodName[];
  /** Why this run cannot compare the methods on this task (one clause), or null when it can. */
  readonly notComparable: string | null;
}

/**
 * A task with an optimality gap (`sparse`) stores it against its reference solver's f*; a run can
 * go lower than that estimate. The report re-bases every gap on f* = the lowest training objective reached by the
 * solver or by any run of the same size, so gaps are never negative.
 */
export function rebaseGaps(stored: readonly StoredRun[]): StoredRun[] {
  const lowest = new Map<string, number>();
  const key = (r: StoredRun) => JSON.stringify(r.size);
  for (const r of stored) {
    if (!taskDefinition(r.task).optimalityGap) continue;
    let low = lowest.get(key(r)) ?? Number.POSITIVE_INFINITY;
    for (const e of r.epochs) {
      for (const v of [e.f_star, e.objective])
        if (v !== undefined && Number.isFinite(v)) low = Math.min(low, v);
    }
    lowest.set(key(r), low);
  }
  return stored.map((r) => {
    const fStar = lowest.get(key(r));
    if (!taskDefinition(r.task).optimalityGap || fStar === undefined) return r;
    const epochs = r.epochs.map((e) =>
      e.objective === undefined
        ? e
        : { ...e, f_star: fStar, val_gap: e.objective - fStar, test_gap: e.objective - fStar },
    );
    return { ...r, epochs, final: finalMetrics(epochs) };
  });
}

export function summarize(plan: Plan, storedRaw: readonly StoredRun[]): TaskSummary[] {
  const stored = rebaseGaps(storedRaw);
  const byId = new Map(stored.map((r) => [r.id, r]));
  const usable = new Map([...byId].filter(([, r]) => r.status !== 'failed'));
  const finals = finalRuns(plan, usable);
  const out: TaskSummary[] = [];
  for (const task of plan.tasks) {
    const t = taskDefinition(task);
    const methods: MethodSummary[] = [];
    for (const method of plan.methods) {
      const f = finals.get(`${task}/${method}`);
      if (!f) continue;
      const ok = f.runs.filter((r) => r.status === 'ok');
      const metrics: Record<string, Estimate> = {};
      for (const m of [t.metric, ...t.extraMetrics]) {
        const values = ok
          .map((r) => r.final[`test_${m.key}`])
          .filter((v): v is number => v !== undefined);
        metrics[m.key] = meanWithTwoSe(values);
      }
      const curves: MethodSummary['curves'] = [];
      const epochs = Math.max(0, ...ok.map((r) => r.epochs.length));
      const keys = ['train_loss', ...[t.metric, ...t.extraMetrics].map((m) => `test_${m.key}`)];
      for (let e = 0; e < epochs; e++) {
        for (const key of keys) {
          const values = ok
            .map((r) => r.epochs[e]?.[key])
            .filter((v): v is number => v !== undefined && Number.isFinite(v));
          if (values.length === 0) continue;
          const est = meanWithTwoSe(values);
          curves.push({ epoch: e + 1, key, mean: est.mean, twoSe: est.twoSe });
        }
      }
      const valKey = `val_${t.metric.key}`;
      const valCurve = Array.from({ length: epochs }, (_, e) => {
        const values = ok
          .map((r) => r.epochs[e]?.[valKey])
          .filter((v): v is number => v !== undefined);
        return values.length === ok.length ? mean(values) : Number.NaN;
      });
      const plateau = plateauOf(valCurve);
      const sensitivity = sweepSpecs({ ...plan, tasks: [task], methods: [method] }, byId).map(
        (s) => {
          const r = byId.get(s.id);
          const v = r?.final[`val_${t.metric.key}`];
          return {
            lr: s.hyperparameters.lr,
            weightDecay: s.hyperparameters.weightDecay,
            value: r && r.status === 'ok' && v !== undefined && Number.isFinite(v) ? v : null,
            status: r?.status ?? 'missing',
          };
        },
      );
      methods.push({
        task,
        method,
        label: METHOD_LABELS[method],
        chosen: f.hp,
        metrics,
        seedsOk: ok.length,
        seedsDiverged: f.runs.filter((r) => r.status === 'diverged').length,
        seedsMissing: Math.max(0, plan.seeds - f.runs.length),
        curves,
        ...(plateau ? { plateau } : {}),
        sensitivity,
      });
    }
    const { learned, notComparable } = comparability(plan.preset.name, t.metric, methods);
    const sign = t.metric.higherIsBetter ? 1 : -1;
    const bestValue = Math.max(...learned.map((m) => sign * m.metrics[t.metric.key]!.mean));
    out.push({
      task,
      metric: t.metric,
      extraMetrics: t.extraMetrics,
      methods,
      best:
        notComparable === null
          ? learned
              .filter((m) => sign * m.metrics[t.metric.key]!.mean === bestValue)
              .map((m) => m.method)
          : [],
      notComparable,
    });
  }
  return out;
}

/** Mean ± 2 SE with 4 significant digits on the mean and the same decimals on the error. */
export function formatEstimate(e: Estimate | undefined): string {
  if (!e || !Number.isFinite(e.mean)) return '—';
  const magnitude = e.mean === 0 ? 0 : Math.floor(Math.log10(Math.abs(e.mean)));
  const decimals = Math.min(8, Math.max(0, 3 - magnitude));
  const mean = e.mean.toFixed(decimals);
  return e.n > 1 ? `${mean} ± ${e.twoSe.toFixed(decimals)}` : mean;
}

/**
 * Which methods are within 2 SE of the best mean (the paper bolds the best; we bold the best
 * mean and say "tied" in the text where intervals overlap).
 */
export function verdict(
  summary: TaskSummary,
  method: MethodName,
): 'best' | 'tied' | 'behind' | 'n/a' {
  const key = summary.metric.key;
  const mine = summary.methods.find((m) => m.method === method)?.metrics[key];
  if (!mine || !Number.isFinite(mine.mean)) return 'n/a';
  if (summary.best.includes(method)) return 'best';
  const best = summary.methods.find((m) => m.method === summary.best[0])?.metrics[key];
  if (!best) return 'n/a';
  return Math.abs(best.mean - mine.mean) <= best.twoSe + mine.twoSe ? 'tied' : 'behind';
}
