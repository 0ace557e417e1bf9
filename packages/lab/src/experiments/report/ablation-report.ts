import { type AblationArm, type AblationConfig, ablationArms } from '../ablation.js';
import { METHOD_LABELS } from '../methods.js';
import type { StoredRun } from '../run-record.js';
import { describeSchedule } from '../tasks/schedules.js';
import { learningCurveSpec, renderSvg, sensitivitySpec } from './charts.js';
import { type Comparison, compareEstimates } from './compare-estimates.js';
import { CONSTRUCTION_STEPS, type Side } from './construction-steps.js';
import { type Estimate, formatEstimate, summarize, type TaskSummary } from './summary.js';
import {
  mainTableMarkdown,
  plateauSentence,
  tableCaption,
  taskDescription,
  taskTableMarkdown,
} from './tables.js';
import {
  boldRule,
  comparisonsJson,
  PLATEAU_RULE,
  REPORT_STYLE,
  resultsJson,
  tableHtml,
  textHtml,
  writeFiles,
} from './write-report.js';

/** The summaries of one arm (schedule) of the ablation. */
export interface ArmSummary {
  readonly arm: AblationArm;
  readonly summaries: TaskSummary[];
}

export function summarizeAblation(
  config: AblationConfig,
  stored: readonly StoredRun[],
): ArmSummary[] {
  return ablationArms(config).map((arm) => ({ arm, summaries: summarize(arm.plan, stored) }));
}

function estimateOf(
  arms: readonly ArmSummary[],
  task: string,
  side: Side,
): { estimate: Estimate; summary: TaskSummary } | undefined {
  const summary = arms
    .find((a) => a.arm.schedule === side.schedule)
    ?.summaries.find((s) => s.task === task);
  const m = summary?.methods.find((x) => x.method === side.method);
  const estimate = m?.metrics[summary!.metric.key];
  if (!summary || !estimate || !Number.isFinite(estimate.mean)) return undefined;
  return { estimate, summary };
}

const PHRASE: Record<Comparison, string> = {
  better: 'is better than',
  worse: 'is worse than',
  indistinguishable: 'is indistinguishable from',
  'single seed': '',
};

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Without error bars: only the direction of the means. */
function singleSeedPhrase(a: Estimate, b: Estimate, higherIsBetter: boolean): string {
  const d = (a.mean - b.mean) * (higherIsBetter ? 1 : -1);
  return d > 0 ? 'is ahead of' : d < 0 ? 'is behind' : 'is level with';
}

/**
 * One paragraph per step of the construction and task, written from the numbers: each
 * comparison's verdict (non-overlapping ±2 SE intervals), then how many agree with the claim.
 */
export function constructionParagraphs(
  arms: readonly ArmSummary[],
): { task: string; title: string; text: string }[] {
  const tasks = arms[0]?.summaries.map((s) => s.task) ?? [];
  const out: { task: string; title: string; text: string }[] = [];
  for (const task of tasks) {
    for (const step of CONSTRUCTION_STEPS) {
      const sentences: string[] = [];
      const tally: Record<Comparison, number> = {
        better: 0,
        worse: 0,
        indistinguishable: 0,
        'single seed': 0,
      };
      for (const { a, b } of step.pairs) {
        const ea = estimateOf(arms, task, a);
        const eb = estimateOf(arms, task, b);
        if (!ea || !eb) continue;
        const verdict = compareEstimates(
          ea.estimate,
          eb.estimate,
          ea.summary.metric.higherIsBetter,
        );
        tally[verdict] += 1;
        const sched = (s: Side) => (a.schedule === b.schedule ? '' : ` (${s.schedule})`);
        const prefix = a.schedule === b.schedule ? `${a.schedule}: ` : '';
        const higher = ea.summary.metric.higherIsBetter;
        const phrase =
          verdict === 'single seed'
            ? singleSeedPhrase(ea.estimate, eb.estimate, higher)
            : PHRASE[verdict];
        sentences.push(
          `${prefix}${METHOD_LABELS[a.method]}${sched(a)} (${formatEstimate(ea.estimate)}) ${phrase} ${METHOD_LABELS[b.method]}${sched(b)} (${formatEstimate(eb.estimate)})${verdict === 'single seed' ? ' on one seed' : ''}`,
        );
      }
      const total = sentences.length;
      let text: string;
      if (total === 0) {
        text = 'No results for this step (its methods were not run or did not finish).';
      } else {
        const metric = estimateOf(arms, task, step.pairs[0]!.a)?.summary.metric.label ?? 'metric';
        const judged = total - tally['single seed'];
        const outcome =
          judged === 0
            ? 'With one seed per method there are no error bars, so no verdict.'
            : `The claim that ${step.claim} holds in ${tally.better} of ${judged} comparisons; ${count(tally.indistinguishable, 'is', 'are')} indistinguishable and ${count(tally.worse, 'goes', 'go')} the other way.`;
        text = `On ${task} (${metric}, mean ± 2 SE): ${sentences.join('; ')}. ${outcome}${cannotCompare(arms, task)}`;
      }
      out.push({ task, title: step.title, text });
    }
  }
  return out;
}

/**
 * Where an arm's run cannot compare the methods on a task (every method at chance or diverged,
 * or the smoke preset): one sentence saying so and why, to close its paragraphs; else ''.
 */
function cannotCompare(arms: readonly ArmSummary[], task: string): string {
  const reasons = arms.flatMap(({ arm, summaries }) => {
    const why = summaries.find((s) => s.task === task)?.notComparable;
    return why ? [{ schedule: arm.schedule, why }] : [];
  });
  if (reasons.length === 0) return '';
  const same = reasons.every((r) => r.why === reasons[0]!.why);
  const why = same ? reasons[0]!.why : reasons.map((r) => `${r.why} (${r.schedule})`).join('; ');
  return ` This run cannot compare the methods on ${task}, because ${why}: these comparisons rank nothing.`;
}

function protocolText(config: AblationConfig, arms: readonly ArmSummary[]): string {
  const plan = arms[0]!.arm.plan;
  const schedules = arms
    .map((a) => `${a.arm.schedule} (${describeSchedule(a.arm.plan.schedule!)})`)
    .join(' and ');
  return `Preset \`${config.preset}\`: ${plan.preset.description}. Every method is swept and re-run under two schedules, ${schedules}; the sgd-power methods multiply either by their own decay η/(k+1)^p. Learning rates (usual value) × 2^k for k in {${plan.preset.lrExponents.join(', ')}}, weight decay 0, one seed per sweep point; the setting with the best final validation metric is re-run to ${config.seeds} seed(s) (seed 0 is its sweep run). Test metrics after the last epoch, mean ± 2 standard errors over seeds. ${boldRule(plan)} Two results "differ" when their ±2 SE intervals do not overlap.`;
}

function tableOf(arms: readonly ArmSummary[]): string {
  const summaries = arms.flatMap((a) => a.summaries);
  const titles = arms.flatMap((a) => a.summaries.map((s) => `${s.task}, ${a.arm.schedule}`));
  return mainTableMarkdown(arms[0]!.arm.plan, summaries, titles);
}

/** One plateau sentence per task and schedule. */
function plateauLines(arms: readonly ArmSummary[]): string[] {
  return arms.flatMap(({ arm, summaries }) =>
    summaries.map((s) => `${arm.schedule} schedule, ${plateauSentence(s)}`),
  );
}

export function ablationMarkdown(config: AblationConfig, arms: readonly ArmSummary[]): string {
  const parts = [
    `# MADGRAD design ablation: preset \`${config.preset}\``,
    '',
    protocolText(config, arms),
    '',
    tableOf(arms),
    '',
    PLATEAU_RULE,
    '',
    ...plateauLines(arms).map((l) => `- ${l}`),
    '',
    '## What each step of the construction buys',
    '',
  ];
  for (const p of constructionParagraphs(arms)) parts.push(`**${p.title}.** ${p.text}`, '');
  for (const { arm, summaries } of arms) {
    for (const s of summaries) {
      parts.push(
        `## ${s.task}, ${arm.schedule} schedule`,
        '',
        taskDescription(s, arm.plan),
        '',
        ...(tableCaption(s) ? [tableCaption(s), ''] : []),
        taskTableMarkdown(s),
        '',
        `![${s.task}, ${arm.schedule}: learning curves](${figurePath(s.task, arm.schedule, 'curves')})`,
        '',
        `![${s.task}, ${arm.schedule}: learning-rate sensitivity](${figurePath(s.task, arm.schedule, 'sensitivity')})`,
        '',
      );
    }
  }
  return parts.join('\n');
}

/** The file of a plot of one task under one schedule, relative to the report. */
function figurePath(task: string, schedule: string, plot: 'curves' | 'sensitivity'): string {
  return `figures/${task}-${schedule}-${plot}.svg`;
}

/** The plots of each task under each schedule, by file (`figurePath`). */
async function ablationFigures(arms: readonly ArmSummary[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const { arm, summaries } of arms) {
    for (const s of summaries) {
      files[figurePath(s.task, arm.schedule, 'curves')] = await renderSvg(learningCurveSpec(s));
      files[figurePath(s.task, arm.schedule, 'sensitivity')] = await renderSvg(sensitivitySpec(s));
    }
  }
  return files;
}

export async function ablationHtml(
  config: AblationConfig,
  arms: readonly ArmSummary[],
  figures?: Readonly<Record<string, string>>,
): Promise<string> {
  const svg = figures ?? (await ablationFigures(arms));
  const sections: string[] = [];
  for (const { arm, summaries } of arms) {
    for (const s of summaries) {
      sections.push(`<section id="${s.task}-${arm.schedule}"><h2>${s.task}, ${arm.schedule} schedule</h2>
${tableHtml(taskTableMarkdown(s), tableCaption(s))}
<h3>Learning curves (mean, band ±2 SE over seeds)</h3>${svg[figurePath(s.task, arm.schedule, 'curves')]}
<h3>Learning-rate sensitivity (sweep, seed 0)</h3>${svg[figurePath(s.task, arm.schedule, 'sensitivity')]}</section>`);
    }
  }
  const paragraphs = constructionParagraphs(arms)
    .map((p) => `<p><b>${textHtml(p.title)}.</b> ${textHtml(p.text)}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MADGRAD design ablation (${config.preset})</title>
${REPORT_STYLE}</head>
<body><h1>MADGRAD design ablation: preset <code>${config.preset}</code></h1>
<p>${textHtml(protocolText(config, arms))}</p>
${tableHtml(tableOf(arms))}
<p>${textHtml(PLATEAU_RULE)}</p>
<ul>${plateauLines(arms)
    .map((l) => `<li>${textHtml(l)}</li>`)
    .join('')}</ul>
<h2>What each step of the construction buys</h2>
${paragraphs}
${sections.join('\n')}
</body></html>
`;
}

/** results.json: the harness's schema, each run with the name of its schedule arm. */
export function ablationResultsJson(
  arms: readonly ArmSummary[],
  stored: readonly StoredRun[],
): { runs: object[]; comparisons: object[] } {
  return {
    runs: arms.flatMap(({ arm }) =>
      resultsJson(arm.plan, stored).runs.map((r) => ({ ...r, schedule: arm.schedule })),
    ),
    comparisons: arms.flatMap(({ arm, summaries }) =>
      comparisonsJson(summaries).map((c) => ({ ...c, schedule: arm.schedule })),
    ),
  };
}

/**
 * Writes results.json, README.md, index.html and the plots as
 * `figures/<task>-<schedule>-<plot>.svg` (which README.md links) into outDir.
 */
export async function writeAblationReport(
  outDir: string,
  config: AblationConfig,
  stored: readonly StoredRun[],
): Promise<string[]> {
  const arms = summarizeAblation(config, stored);
  const figures = await ablationFigures(arms);
  return writeFiles(outDir, {
    ...figures,
    'results.json': `${JSON.stringify(ablationResultsJson(arms, stored), null, 1)}\n`,
    'README.md': ablationMarkdown(config, arms),
    'index.html': await ablationHtml(config, arms, figures),
  });
}
