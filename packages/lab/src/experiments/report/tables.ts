import { METHOD_LABELS } from '../methods.js';
import { type Plan, sizeOf } from '../protocol.js';
import { taskDefinition } from '../tasks/index.js';
import { describeSchedule } from '../tasks/schedules.js';
import { stepsPerEpochOf } from '../tasks/task.js';
import { formatPlateau } from './plateau.js';
import { formatEstimate, type TaskSummary, verdict } from './summary.js';

/** A cell of the paper-style table: bold (markdown) when the method has the best mean. */
function cell(
  summary: TaskSummary,
  method: string,
  key: string,
  bold: (s: string) => string,
): string {
  const m = summary.methods.find((x) => x.method === method);
  const text = formatEstimate(m?.metrics[key]);
  return key === summary.metric.key && summary.best.includes(m?.method as never)
    ? bold(text)
    : text;
}

/**
 * The paper-style table: rows methods, one column per summary (its primary test metric), titled
 * by task unless `titles` names the columns (the ablation: one per task and schedule).
 */
export function mainTableMarkdown(
  plan: Plan,
  summaries: readonly TaskSummary[],
  titles?: readonly string[],
): string {
  const header = `| method | ${summaries.map((s, i) => `${titles?.[i] ?? s.task}: ${s.metric.label} ${s.metric.higherIsBetter ? '↑' : '↓'}${s.notComparable ? ' (not compared)' : ''}`).join(' | ')} |`;
  const rule = `| --- | ${summaries.map(() => '---').join(' | ')} |`;
  const rows = plan.methods.map(
    (method) =>
      `| ${METHOD_LABELS[method]} | ${summaries.map((s) => cell(s, method, s.metric.key, (t) => `**${t}**`)).join(' | ')} |`,
  );
  return [header, rule, ...rows].join('\n');
}

/** Per task: every metric, the chosen setting, seeds and divergences. */
export function taskTableMarkdown(summary: TaskSummary): string {
  const metrics = [summary.metric, ...summary.extraMetrics];
  const header = `| method | ${metrics.map((m) => m.label).join(' | ')} | chosen lr | weight decay | seeds ok | sweep points diverged | plateau (val, last quarter) |`;
  const rule = `| --- | ${metrics.map(() => '---').join(' | ')} | --- | --- | --- | --- | --- |`;
  const rows = summary.methods.map((m) => {
    const diverged = m.sensitivity.filter((s) => s.status === 'diverged').length;
    const lrs = m.sensitivity.map((x) => x.lr);
    const atEdge =
      lrs.length > 1 && (m.chosen.lr === Math.max(...lrs) || m.chosen.lr === Math.min(...lrs));
    const lr = `${m.chosen.lr}${atEdge ? ' (grid edge: capped sweep)' : ''}`;
    return `| ${m.label} | ${metrics.map((x) => cell(summary, m.method, x.key, (t) => `**${t}**`)).join(' | ')} | ${lr} | ${m.chosen.weightDecay} | ${m.seedsOk} | ${diverged}/${m.sensitivity.length} | ${formatPlateau(m.plateau)} |`;
  });
  return [header, rule, ...rows].join('\n');
}

/** The caption of a task's table: why the run cannot compare its methods, or '' when it can. */
export function tableCaption(summary: TaskSummary): string {
  return !summary.notComparable
    ? ''
    : `This run cannot compare the methods on ${summary.task}, because ${summary.notComparable}: no best is marked.`;
}

/**
 * One sentence per task: where MADGRAD won, tied or lost (best mean; tied = within 2 SE), or why
 * this run cannot compare the methods there.
 */
export function verdictSentence(summary: TaskSummary): string {
  if (summary.notComparable) {
    return `${summary.task}: this run cannot compare the methods, because ${summary.notComparable}.`;
  }
  const v = verdict(summary, 'madgrad');
  const n =
    summary.methods.find((m) => m.method === 'madgrad')?.metrics[summary.metric.key]?.n ?? 0;
  if (n < 2 && v !== 'best' && v !== 'n/a') {
    return `${summary.task}: MADGRAD's mean is behind ${summary.best.map((b) => METHOD_LABELS[b]).join(', ')} (one seed: no error bars, no verdict).`;
  }
  const best = summary.best.map((b) => METHOD_LABELS[b]).join(', ');
  switch (v) {
    case 'best':
      return `${summary.task}: MADGRAD has the best mean ${summary.metric.label}.`;
    case 'tied':
      return `${summary.task}: MADGRAD ties with the best (${best}): the ±2 SE intervals overlap.`;
    case 'behind':
      return `${summary.task}: MADGRAD loses to ${best} (the ±2 SE intervals do not overlap).`;
    default:
      return `${summary.task}: no MADGRAD result.`;
  }
}

/**
 * One sentence per task: whether every method's chosen setting reached a plateau, or which did
 * not, with their relative changes.
 */
export function plateauSentence(summary: TaskSummary): string {
  const checked = summary.methods.filter((m) => m.plateau);
  const missed = checked.filter((m) => !m.plateau!.reached);
  if (checked.length === 0)
    return `${summary.task}: no plateau check (too few epochs or no results).`;
  if (missed.length === 0) return `${summary.task}: every method reached a plateau.`;
  const list = missed
    .map((m) => `${m.label} ${(100 * m.plateau!.relativeChange).toFixed(1)}%`)
    .join(', ');
  return `${summary.task}: PLATEAU MISSED by ${list} (validation metric still moving over the last quarter of training).`;
}

/** A number from a plan as text; anything else (a damaged file's value) as "?", never as markup. */
function num(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '?';
}

export function taskDescription(summary: TaskSummary, plan: Plan): string {
  const t = taskDefinition(summary.task);
  const size = sizeOf(plan, summary.task);
  const steps = stepsPerEpochOf(size);
  const chance = summary.metric.chance;
  return [
    `mirrors ${t.about.mirrors}.`,
    `Data: ${t.about.data}; this run uses ${num(size.train)} train / ${num(size.val)} val / ${num(size.test)} test examples.`,
    `Model: ${t.about.model.replace(/\bW\b/g, num(size.width))}.`,
    `${num(size.epochs)} epochs of ${num(steps)} steps, batch ${num(size.batchSize)}; schedule: ${describeSchedule(plan.schedule ?? t.schedule(size, steps))}${t.clipNorm ? `; gradients clipped at global norm ${t.clipNorm}` : ''}.`,
    ...(chance ? [`Chance level: ${chance.means}.`] : []),
  ].join(' ');
}
