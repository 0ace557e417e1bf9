import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MAX_EDGE_EXTENSIONS, type Plan, seedSpecs, sizeOf, sweepSpecs } from '../protocol.js';
import type { RunRecord, StoredRun } from '../run-record.js';
import { isBuiltinTask, taskDefinition } from '../tasks/index.js';
import { stepsPerEpochOf } from '../tasks/task.js';
import { gapSpec, learningCurveSpec, renderSvg, sensitivitySpec } from './charts.js';
import { CHANCE_MARGIN, SMOKE_REASON } from './comparability.js';
import { judgeClaims } from './paper-claims.js';
import { PLATEAU_TOLERANCE } from './plateau.js';
import { summarize, type TaskSummary } from './summary.js';
import {
  mainTableMarkdown,
  plateauSentence,
  tableCaption,
  taskDescription,
  taskTableMarkdown,
  verdictSentence,
} from './tables.js';

/**
 * results.json: the run schema (`RunRecord`), one entry per stored run of this plan (its sweep and
 * seed runs; other runs stored in the same directory, e.g. of another preset, are left out).
 */
export function resultsJson(plan: Plan, stored: readonly StoredRun[]): { runs: RunRecord[] } {
  const byId = new Map(stored.map((r) => [r.id, r]));
  const planned = new Set([...sweepSpecs(plan, byId), ...seedSpecs(plan, byId)].map((s) => s.id));
  const runs = stored
    .filter((r) => planned.has(r.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ task, method, hyperparameters, seed, epochs, final, status, seconds }) => ({
      task,
      method,
      hyperparameters,
      seed,
      epochs,
      final,
      status,
      seconds,
    }));
  return { runs };
}

/**
 * Per task: whether this run can compare the methods, why not, the best (none if not), and each
 * method's plateau check (relative change of the validation metric over the last quarter).
 */
export function comparisonsJson(summaries: readonly TaskSummary[]) {
  return summaries.map((s) => ({
    task: s.task,
    comparable: !s.notComparable,
    ...(s.notComparable ? { reason: s.notComparable } : {}),
    chance: s.metric.chance?.value ?? null,
    best: s.best,
    plateau: Object.fromEntries(
      s.methods.map((m) => [
        m.method,
        m.plateau ? { relativeChange: m.plateau.relativeChange, reached: m.plateau.reached } : null,
      ]),
    ),
  }));
}

/** The paper's claims judged on this run: task, claim, verdict and the sentence with figures. */
export function claimsJson(summaries: readonly TaskSummary[]) {
  return judgeClaims(summaries).map(({ task, problem, claim, verdict, text }) => ({
    task,
    problem,
    claim,
    verdict,
    text,
  }));
}

/** How the claims are judged, for the reports. */
const CLAIMS_RULE =
  "Each claim is a set of comparisons on the task's primary test metric: it holds when every one goes the paper's way with non-overlapping ±2 SE intervals, is contradicted when one goes the other way beyond them, and is tied otherwise.";

/** The plateau rule, for the reports. */
export const PLATEAU_RULE = `Plateau: the chosen setting's validation metric (mean over seeds) changes by less than ${100 * PLATEAU_TOLERANCE}% of its value over the last quarter of training.`;

/** What the bold marks, and when a run compares no methods. */
export function boldRule(plan: Plan): string {
  return plan.preset.name === 'smoke'
    ? `This preset cannot compare the methods: ${SMOKE_REASON}, so no best mean is marked.`
    : `The best mean is in bold where the run can compare the methods: not on a task where every method is at chance (its mean not better than the chance level by more than ${100 * CHANCE_MARGIN}% of it and its ±2 SE), diverged on every seed or has no result.`;
}

function protocolText(plan: Plan): string {
  return `Preset \`${plan.preset.name}\`: ${plan.preset.description}. Learning rates on the grid (${plan.preset.lrCentres ? "the preset's centre" : 'usual value'}) × 2^k for k in {${plan.preset.lrExponents.join(', ')}}${plan.preset.sweepWeightDecay ? ', with the weight-decay grid where the task uses decay' : ', weight decay 0'}; one seed per sweep point; while the best point is the grid's largest (smallest) learning rate, the grid grows by one more power of 2 that way, the same rule for every method, until the best point is interior or the next point diverges (a safety cap of ${MAX_EDGE_EXTENSIONS} extensions each way); the setting with the best final validation metric is re-run to ${plan.seeds} seed(s) (seed 0 is its sweep run). Test metrics after the last epoch, mean ± 2 standard errors over seeds. ${boldRule(plan)} A chosen learning rate marked "grid edge: capped sweep" is still the smallest or largest of its grid after the capped growth: a wider sweep might do better. This preset sweeps itself (it does not use settings from a committed full sweep).`;
}

/** The report's title: the reproduction's on the built-in tasks, else the tasks tuned. */
function titleOf(plan: Plan): string {
  return plan.tasks.every(isBuiltinTask)
    ? 'MADGRAD reproduction'
    : `MADGRAD tuned on ${plan.tasks.join(', ')}`;
}

export function markdownReport(plan: Plan, summaries: readonly TaskSummary[]): string {
  const parts = [
    `# ${titleOf(plan)}: preset \`${plan.preset.name}\``,
    '',
    protocolText(plan),
    '',
    mainTableMarkdown(plan, summaries),
    '',
    ...summaries.map((s) => `- ${verdictSentence(s)}`),
    '',
    PLATEAU_RULE,
    '',
    ...summaries.map((s) => `- ${plateauSentence(s)}`),
    '',
  ];
  const claims = judgeClaims(summaries);
  if (claims.length > 0) {
    parts.push("## The paper's claims", '', CLAIMS_RULE, '');
    parts.push(...claims.map((c) => `- ${c.text}`), '');
  }
  for (const s of summaries) {
    const caption = tableCaption(s);
    parts.push(`## ${s.task}`, '', taskDescription(s, plan), '');
    if (caption) parts.push(caption, '');
    parts.push(taskTableMarkdown(s), '');
    parts.push(
      `![${s.task}: learning curves](figures/${s.task}-curves.svg)`,
      '',
      `![${s.task}: learning-rate sensitivity](figures/${s.task}-sensitivity.svg)`,
      '',
    );
    if (taskDefinition(s.task).optimalityGap) {
      parts.push(`![${s.task}: optimality gap](figures/${s.task}-gap.svg)`, '');
    }
  }
  return parts.join('\n');
}

/** Text made safe for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Report text as HTML: escaped, with our markdown's `code` and **bold** as tags. */
export function textHtml(s: string): string {
  return escapeHtml(s)
    .replace(/\*\*(.+?)\*\*/g, '<b>$1</b>')
    .replace(/`(.+?)`/g, '<code>$1</code>');
}

/** Minimal markdown-table to HTML (our own tables only: pipes, **bold**), with an optional caption. */
export function tableHtml(markdown: string, caption = ''): string {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) =>
    l
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
  const [head, , ...rows] = lines;
  const captionHtml = caption ? `<caption>${textHtml(caption)}</caption>` : '';
  return `<table>${captionHtml}<thead><tr>${cells(head!)
    .map((c) => `<th>${textHtml(c)}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr>${cells(r)
          .map((c) => `<td>${textHtml(c)}</td>`)
          .join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/** The reports' stylesheet (inline: index.html stays self-contained). */
export const REPORT_STYLE = `<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}section{margin-top:2.5em}svg{max-width:100%;height:auto}</style>`;

function claimsHtml(summaries: readonly TaskSummary[]): string {
  const claims = judgeClaims(summaries);
  if (claims.length === 0) return '';
  return `<h2>The paper's claims</h2><p>${textHtml(CLAIMS_RULE)}</p><ul>${claims
    .map((c) => `<li>${textHtml(c.text)}</li>`)
    .join('')}</ul>`;
}

/** A task's plots as SVG: learning curves, the sweep's sensitivity, the optimality gap if any. */
export interface TaskFigures {
  readonly curves: string;
  readonly sensitivity: string;
  readonly gap?: string;
}

export async function taskFigures(plan: Plan, s: TaskSummary): Promise<TaskFigures> {
  const size = sizeOf(plan, s.task);
  const steps = stepsPerEpochOf(size);
  const curves = await renderSvg(learningCurveSpec(s));
  const sensitivity = await renderSvg(sensitivitySpec(s));
  if (!taskDefinition(s.task).optimalityGap) return { curves, sensitivity };
  const points = s.methods.flatMap((m) =>
    m.curves
      .filter((c) => c.key === 'test_gap')
      .map((c) => ({ method: m.label, step: c.epoch * steps, gap: c.mean })),
  );
  return { curves, sensitivity, gap: await renderSvg(gapSpec(s, points)) };
}

/** The figures' files, `figures/<task>-<plot>.svg`, by name. */
function figureFiles(
  summaries: readonly TaskSummary[],
  figures: readonly TaskFigures[],
): Record<string, string> {
  return Object.fromEntries(
    summaries.flatMap((s, i) =>
      Object.entries(figures[i]!).map(([plot, svg]) => [`figures/${s.task}-${plot}.svg`, svg]),
    ),
  );
}

export async function htmlReport(
  plan: Plan,
  summaries: readonly TaskSummary[],
  figures?: readonly TaskFigures[],
): Promise<string> {
  const figs = figures ?? (await Promise.all(summaries.map((s) => taskFigures(plan, s))));
  const sections: string[] = [];
  summaries.forEach((s, i) => {
    const { curves, sensitivity, gap } = figs[i]!;
    const gapHtml = gap
      ? `<h3>Optimality gap</h3><p>Mean over seeds of f(x_k) − f* on the training objective, with f* the lowest value reached by a long full-batch accelerated gradient run or by any run (results.json keeps the gaps against the solver's value alone).</p>${gap}`
      : '';
    sections.push(`<section id="${s.task}"><h2>${s.task}</h2><p>${textHtml(taskDescription(s, plan))}</p>
${tableHtml(taskTableMarkdown(s), tableCaption(s))}
<h3>Learning curves (mean, band ±2 SE over seeds)</h3>${curves}
<h3>Learning-rate sensitivity (sweep, seed 0)</h3>${sensitivity}${gapHtml}</section>`);
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${textHtml(titleOf(plan))} (${plan.preset.name})</title>
${REPORT_STYLE}</head>
<body><h1>${textHtml(titleOf(plan))}: preset <code>${plan.preset.name}</code></h1>
<p>${textHtml(protocolText(plan))}</p>
${tableHtml(mainTableMarkdown(plan, summaries))}
<ul>${summaries.map((s) => `<li>${textHtml(verdictSentence(s))}</li>`).join('')}</ul>
<p>${textHtml(PLATEAU_RULE)}</p>
<ul>${summaries.map((s) => `<li>${textHtml(plateauSentence(s))}</li>`).join('')}</ul>
${claimsHtml(summaries)}
${sections.join('\n')}
</body></html>
`;
}

/**
 * Writes results.json, README.md, index.html and the plots as `figures/<task>-<plot>.svg` into
 * outDir; returns their paths.
 */
export async function writeReport(
  outDir: string,
  plan: Plan,
  stored: readonly StoredRun[],
): Promise<string[]> {
  const summaries = summarize(plan, stored);
  const figures = await Promise.all(summaries.map((s) => taskFigures(plan, s)));
  const files = {
    ...figureFiles(summaries, figures),
    'results.json': `${JSON.stringify({ ...resultsJson(plan, stored), comparisons: comparisonsJson(summaries), claims: claimsJson(summaries) }, null, 1)}\n`,
    'README.md': markdownReport(plan, summaries),
    'index.html': await htmlReport(plan, summaries, figures),
  };
  return writeFiles(outDir, files);
}

/** Writes each file under a temporary name and renames it into place; returns the paths. */
export function writeFiles(outDir: string, files: Record<string, string>): string[] {
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
    written.push(path);
  }
  return written;
}
