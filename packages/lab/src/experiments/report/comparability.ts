import type { ChanceLevel, MetricInfo, PresetName } from '../tasks/task.js';
import type { Estimate, MethodSummary } from './summary.js';

/**
 * How far past chance a mean must be to count as learned, relative to the chance level: 1%
 * (0.1 points of accuracy at 10%, 0.007 of a ln 2 loss).
 */
export const CHANCE_MARGIN = 0.01;

/** What the smoke preset is for: the reason its reports compare no methods. */
export const SMOKE_REASON = 'the smoke preset only checks that the pipeline runs';

/**
 * Whether an estimate shows learning: a finite mean better than chance by more than both the
 * margin (CHANCE_MARGIN × |chance|) and its own ±2 SE, so the whole interval clears chance.
 * Without a chance level, any finite mean counts.
 */
export function beatsChance(estimate: Estimate | undefined, metric: MetricInfo): boolean {
  if (!estimate || !Number.isFinite(estimate.mean)) return false;
  const chance = metric.chance;
  if (!chance) return true;
  const ahead = (estimate.mean - chance.value) * (metric.higherIsBetter ? 1 : -1);
  return ahead > Math.max(CHANCE_MARGIN * Math.abs(chance.value), estimate.twoSe);
}

/** "at or below chance (10% for 10 classes)", or "at or above" for a metric lower is better. */
function atChance(metric: MetricInfo, chance: ChanceLevel): string {
  return `at or ${metric.higherIsBetter ? 'below' : 'above'} chance (${chance.means})`;
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length < 2
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/**
 * The methods that learned on a task (chosen setting's mean beats chance, see `beatsChance`), and
 * why the run cannot compare the methods there, or null when it can: the smoke preset, or no
 * method that learned (each is at chance, diverged on every seed, or has no result).
 */
export function comparability(
  preset: PresetName,
  metric: MetricInfo,
  methods: readonly MethodSummary[],
): { learned: MethodSummary[]; notComparable: string | null } {
  const learned = methods.filter((m) => beatsChance(m.metrics[metric.key], metric));
  if (preset === 'smoke') return { learned, notComparable: SMOKE_REASON };
  if (learned.length > 0) return { learned, notComparable: null };
  const finite = (m: MethodSummary) => Number.isFinite(m.metrics[metric.key]?.mean);
  const diverged = (m: MethodSummary) => !finite(m) && m.seedsOk === 0 && m.seedsDiverged > 0;
  const kinds = [
    methods.some(finite) && metric.chance ? `is ${atChance(metric, metric.chance)}` : '',
    methods.some(diverged) ? 'diverged' : '',
    methods.length === 0 || methods.some((m) => !finite(m) && !diverged(m)) ? 'has no result' : '',
  ].filter((k) => k !== '');
  return { learned, notComparable: `every method ${orList(kinds)}` };
}
