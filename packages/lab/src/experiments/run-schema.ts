import { z } from 'zod';
import { BACKENDS } from './backend.js';
import { isKnownMethod } from './methods.js';
import { quoted } from './quoted.js';
import type { StoredRun } from './run-record.js';
import { isTask } from './tasks/index.js';

const STATUSES = ['ok', 'diverged', 'failed'] as const;
const count = z.number().int().min(0).max(1_000_000_000);
const finite = z.number().refine(Number.isFinite, 'is not a finite number');
/** A metric: a finite number, or null (JSON stores a diverged run's NaN or Infinity as null). */
const metric = finite.nullable();
const metricName = z.string().min(1).max(100);
const metrics = z.record(metricName, metric).refine((m) => Object.keys(m).length <= 100, {
  message: 'holds more than 100 metrics',
});
const epochMetrics = z
  .object({ epoch: z.number().int().min(1) })
  .catchall(metric)
  .refine((m) => Object.keys(m).length <= 100 && Object.keys(m).every((k) => k.length <= 100), {
    message: 'holds more than 100 metrics or a name of more than 100 characters',
  });

/** Ranges no real run leaves, by a metric's name: losses and error rates are never negative. */
const METRIC_RANGES: readonly {
  readonly name: RegExp;
  readonly min: number;
  readonly max: number;
}[] = [
  { name: /accuracy$/, min: 0, max: 100 },
  { name: /ssim$/, min: -1, max: 1 },
  { name: /(loss|objective|nmse|per)$/, min: 0, max: Number.POSITIVE_INFINITY },
];

/** The first metric of `m` outside the range its name implies, as a message, or undefined. */
function implausibleMetric(m: Record<string, unknown>): string | undefined {
  for (const [key, value] of Object.entries(m)) {
    if (typeof value !== 'number') continue;
    const range = METRIC_RANGES.find((r) => r.name.test(key));
    if (range && !(value >= range.min && value <= range.max)) {
      return `${key} ${value} is outside [${range.min}, ${range.max}], which no run leaves`;
    }
  }
  return undefined;
}

/** The JSON form of a metrics record, with NaN and null alike (as a file stores them). */
const metricsText = (m: Record<string, unknown>) =>
  JSON.stringify(m, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));

/**
 * A complete stored run, as `<id>.json` holds it and as a queue worker returns it: every field
 * present with its type, a known task and method, finite (or null) metrics, epochs numbered 1, 2,
 * … up to the run's planned epochs (all of them when it is `ok`), and `final` the last epoch's
 * metrics, each within the range its name implies (accuracy in [0, 100] %, SSIM in [-1, 1],
 * losses and error rates >= 0). The run store's read check and the queue coordinator's result
 * check are this schema.
 */
export const storedRunSchema = z
  .strictObject({
    id: z.string().min(1).max(400),
    task: z.custom<string>((v) => typeof v === 'string' && isTask(v), {
      error: (issue) => `unknown task ${quoted(issue.input)}`,
    }),
    method: z.custom<string>((v) => typeof v === 'string' && isKnownMethod(v), {
      error: (issue) => `unknown method ${quoted(issue.input)}`,
    }),
    hyperparameters: z.strictObject({
      lr: finite,
      weightDecay: finite,
      momentum: finite.optional(),
    }),
    seed: count,
    size: z.strictObject({
      train: count,
      val: count,
      test: count,
      epochs: count,
      batchSize: count,
      width: count,
    }),
    backend: z.enum(['core', ...BACKENDS], { error: 'is not a known backend' }),
    epochs: z.array(epochMetrics).max(100_000),
    final: metrics,
    status: z.enum(STATUSES, { error: `is not one of ${STATUSES.join(', ')}` }),
    seconds: finite.min(0),
    error: z.string().max(20_000).optional(),
  })
  .superRefine((r, ctx) => {
    const planned = r.size.epochs;
    const n = r.epochs.length;
    if (n > planned || (r.status === 'ok' && n !== planned)) {
      ctx.addIssue({
        code: 'custom',
        path: ['epochs'],
        message: `holds ${n} epochs for a${r.status === 'ok' ? 'n ok' : ` ${r.status}`} run of ${planned}`,
      });
      return;
    }
    const misnumbered = r.epochs.findIndex((e, i) => e.epoch !== i + 1);
    if (misnumbered >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['epochs', misnumbered, 'epoch'],
        message: `is not ${misnumbered + 1}`,
      });
      return;
    }
    for (const [i, e] of r.epochs.entries()) {
      const problem = implausibleMetric(e);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: ['epochs', i], message: problem });
        return;
      }
    }
    const { epoch: _epoch, ...last } = r.epochs.at(-1) ?? { epoch: 0 };
    if (metricsText(last) !== metricsText(r.final)) {
      ctx.addIssue({ code: 'custom', path: ['final'], message: 'is not the last epoch' });
    }
  });

/** A path as code writes it: `epochs[0].epoch`. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
}

/** A schema's complaint in one short line: the first two issues, each bounded. */
export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 2)
    .map((i) =>
      // A message that names its field ("unknown task …") needs no path before it.
      i.message.startsWith('unknown ')
        ? i.message.slice(0, 120)
        : `${pathText(i.path) || '(value)'} ${i.message.slice(0, 120)}`,
    )
    .join('; ');
}

/** The stored run in `value`, or what is wrong with it (one bounded line). */
export function parseStoredRun(value: unknown): StoredRun | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'not a JSON object';
  const parsed = storedRunSchema.safeParse(value);
  if (!parsed.success) return issuesText(parsed.error);
  return value as StoredRun;
}

/**
 * What is wrong with a stored run read back from `<id>.json`, or undefined when it is a complete
 * `StoredRun` (storedRunSchema) with that id.
 */
export function storedRunProblem(value: unknown, id: string): string | undefined {
  const run = parseStoredRun(value);
  if (typeof run === 'string') return run;
  if (run.id !== id) return `id ${quoted(run.id)} does not match the file name`;
  return undefined;
}
