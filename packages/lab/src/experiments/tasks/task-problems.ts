import {
  isRecord,
  lrCentresProblems,
  METRIC_KEY_PATTERN,
  shown,
  taskChecks,
  weightDecayGridProblems,
  wholeIn,
} from './field-checks.js';
import { PRESETS, type TaskDefinition } from './task.js';

/** The fields of a task in its full form (`TfjsTask`, `CoreTask`). */
const KEYS = new Set([
  'name',
  'engine',
  'about',
  'metric',
  'extraMetrics',
  'clipNorm',
  'optimalityGap',
  'available',
  'sizes',
  'schedule',
  'prepare',
  'dataSha256',
  'lrCentres',
  'weightDecayGrid',
  'data',
  'model',
]);

function metricInfoProblems(at: string, field: string, metric: unknown): string[] {
  if (!isRecord(metric))
    return [
      `${at}: ${field} must be an object { key, label, higherIsBetter }, got ${shown(metric)}`,
    ];
  const out: string[] = [];
  if (typeof metric.key !== 'string' || !METRIC_KEY_PATTERN.test(metric.key)) {
    out.push(
      `${at}: ${field}.key must be a lowercase letter, then up to 39 lowercase letters, digits or _, got ${shown(metric.key)}`,
    );
  }
  if (typeof metric.label !== 'string')
    out.push(`${at}: ${field}.label must be a string, got ${shown(metric.label)}`);
  if (typeof metric.higherIsBetter !== 'boolean') {
    out.push(
      `${at}: ${field}.higherIsBetter must be a boolean, got ${shown(metric.higherIsBetter)}`,
    );
  }
  const chance = metric.chance;
  if (
    chance !== undefined &&
    !(isRecord(chance) && Number.isFinite(chance.value) && typeof chance.means === 'string')
  ) {
    out.push(
      `${at}: ${field}.chance must be { value: number, means: string }, got ${shown(chance)}`,
    );
  }
  return out;
}

/**
 * Every mistake of a task in its full form that can be seen before its data loads, each one line
 * naming the field (empty: sound). Its sizes are checked by `sizeProblems`.
 */
export function taskProblems(task: unknown): string[] {
  if (!isRecord(task)) return [`task: must be an object, got ${shown(task)}`];
  const t = task;
  const { at, out, bad } = taskChecks(t, KEYS);
  if (t.engine !== 'tfjs' && t.engine !== 'core') bad('engine', "'tfjs' or 'core'");
  const about = t.about;
  if (!isRecord(about) || !['mirrors', 'data', 'model'].every((k) => typeof about[k] === 'string'))
    bad('about', 'an object { mirrors, data, model } of strings');
  out.push(...metricInfoProblems(at, 'metric', t.metric));
  if (!Array.isArray(t.extraMetrics)) bad('extraMetrics', 'an array (empty for none)');
  else
    t.extraMetrics.forEach((m, i) => out.push(...metricInfoProblems(at, `extraMetrics[${i}]`, m)));
  if (
    t.clipNorm !== undefined &&
    !(typeof t.clipNorm === 'number' && t.clipNorm > 0 && Number.isFinite(t.clipNorm))
  )
    bad('clipNorm', 'a positive number');
  if (t.optimalityGap !== undefined && typeof t.optimalityGap !== 'boolean')
    bad('optimalityGap', 'a boolean');
  for (const fn of ['schedule', 'data', 'model']) {
    if (typeof t[fn] !== 'function') bad(fn, 'a function');
  }
  for (const fn of ['prepare', 'dataSha256']) {
    if (t[fn] !== undefined && typeof t[fn] !== 'function') bad(fn, 'a function');
  }
  out.push(
    ...lrCentresProblems(at, t.lrCentres),
    ...weightDecayGridProblems(at, t.weightDecayGrid),
  );
  return out;
}

/**
 * The mistakes of a task's `available` splits and its size under each preset: whole numbers,
 * splits no larger than what is available, a batch no larger than the training subset.
 */
export function sizeProblems(task: TaskDefinition): string[] {
  const at = `task "${task.name}"`;
  const out: string[] = [];
  const available = task.available as unknown;
  if (!isRecord(available) || !['train', 'val', 'test'].every((k) => wholeIn(available[k], 1, 1e9)))
    return [`${at}: available must be { train, val, test } of whole numbers from 1`];
  const sizes = task.sizes as unknown;
  if (!isRecord(sizes)) return [`${at}: sizes must be an object with ${PRESETS.join(', ')}`];
  for (const preset of PRESETS) {
    const size = sizes[preset];
    if (!isRecord(size)) {
      out.push(`${at}: sizes.${preset} must be an object, got ${shown(size)}`);
      continue;
    }
    for (const key of ['train', 'val', 'test', 'epochs', 'batchSize'] as const) {
      if (!wholeIn(size[key], 1, 1e9))
        out.push(
          `${at}: sizes.${preset}.${key} must be a whole number from 1, got ${shown(size[key])}`,
        );
    }
    if (!wholeIn(size.width, 0, 1e6))
      out.push(
        `${at}: sizes.${preset}.width must be a whole number from 0, got ${shown(size.width)}`,
      );
    for (const split of ['train', 'val', 'test'] as const) {
      if ((size[split] as number) > (available[split] as number)) {
        out.push(
          `${at}: sizes.${preset}.${split} is ${String(size[split])}, more than the ${String(available[split])} available`,
        );
      }
    }
    if ((size.batchSize as number) > (size.train as number))
      out.push(
        `${at}: sizes.${preset}.batchSize is more than its ${String(size.train)} training examples`,
      );
  }
  return out;
}
