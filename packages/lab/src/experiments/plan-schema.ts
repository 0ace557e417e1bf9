import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { ABLATION_METHODS, METHOD_LABELS, METHODS, type MethodName } from './methods.js';
import { PRESETS } from './presets.js';
import { MAX_QUOTED, quoted } from './quoted.js';
import { isTask, TASKS, type TaskName } from './tasks/index.js';

/**
 * The lab's numbers and names, checked once: the plan file (`plan.json`), the ablation file
 * (`ablation.json`), task sizes, seeds and parallel jobs. The CLI's option parsers, the two files
 * and the queue's jobs (queue/job-schema.ts) all use these schemas and bounds.
 */

/** The most seeds a plan may re-run its chosen settings with (seed 0, the sweep run, included). */
export const MAX_SEEDS = 1000;
/** The largest seed of a single run (`madgrad-lab train --seed`, a queued run). */
export const MAX_SEED = 1_000_000;
/** The most runs trained at once (child processes) by one command or worker. */
export const MAX_JOBS = 256;
/** The most epochs of a run. */
export const MAX_EPOCHS = 10_000;
/** The most examples in a split, or in a batch. */
export const MAX_EXAMPLES = 1_000_000;
/** The largest model width. */
export const MAX_WIDTH = 4096;

/** The design ablation's tasks (experiments/ablation.ts). */
export const ABLATION_TASKS = ['digits', 'g2p'] as const satisfies readonly TaskName[];
export type AblationTaskName = (typeof ABLATION_TASKS)[number];

export function isAblationTask(name: string): name is AblationTaskName {
  return (ABLATION_TASKS as readonly string[]).includes(name);
}

const integerIn = (min: number, max: number) => z.number().int().min(min).max(max);

export const seedsSchema = integerIn(1, MAX_SEEDS);
export const seedSchema = integerIn(0, MAX_SEED);
/** Parallel runs: 0 only where a queue coordinates without local workers (the CLI checks). */
export const jobsSchema = integerIn(0, MAX_JOBS);

/** A task's size: every count a whole number in range (width 0: the model has no width). */
export const sizeSchema = z.strictObject({
  train: integerIn(1, MAX_EXAMPLES),
  val: integerIn(1, MAX_EXAMPLES),
  test: integerIn(1, MAX_EXAMPLES),
  epochs: integerIn(1, MAX_EPOCHS),
  batchSize: integerIn(1, MAX_EXAMPLES),
  width: integerIn(0, MAX_WIDTH),
});

/** The most tasks of a plan. */
export const MAX_TASKS = 64;
/** A built-in task's name, or that of a task registered in this process. */
export const taskNameSchema = z.custom<TaskName>((v) => typeof v === 'string' && isTask(v), {
  error: (issue) => `unknown task ${quoted(issue.input)} (known: ${TASKS.join(', ')})`,
});
export const mainMethodSchema = z.enum(METHODS);
const KNOWN_METHODS = Object.keys(METHOD_LABELS) as [MethodName, ...MethodName[]];
export const knownMethodSchema = z.enum(KNOWN_METHODS);
export const sizesSchema = z.partialRecord(taskNameSchema, sizeSchema);

/**
 * The modules of a plan's tasks that are not built in, by task name: absolute path, sha256, and
 * the sha256 of the data where the task has one.
 */
export const taskModulesSchema = z.record(
  z.string().max(40),
  z.strictObject({
    path: z.string().min(1).max(4096),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal digits'),
    dataSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 hexadecimal digits')
      .optional(),
  }),
);

/** A reproduction's plan by names and counts (the queue's protocol jobs carry these fields). */
export const protocolPlanFields = {
  preset: z.enum(PRESETS),
  tasks: z.array(taskNameSchema).min(1).max(MAX_TASKS),
  methods: z.array(mainMethodSchema).min(1).max(METHODS.length),
  seeds: seedsSchema,
  sizes: sizesSchema.optional(),
  modules: taskModulesSchema.optional(),
};

/** `ablation.json`, and the config an ablation job carries. */
export const ablationConfigSchema = z.strictObject({
  preset: z.enum(PRESETS),
  tasks: z.array(z.enum(ABLATION_TASKS)).min(1).max(ABLATION_TASKS.length),
  methods: z.array(z.enum(ABLATION_METHODS)).min(1).max(ABLATION_METHODS.length),
  seeds: seedsSchema,
  sizes: z.partialRecord(z.enum(ABLATION_TASKS), sizeSchema).optional(),
});

const finite = z.number().refine(Number.isFinite, 'must be finite');

/** A learning-rate schedule (tasks/schedules.ts) as stored in a plan. */
export const scheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  z.strictObject({
    kind: z.literal('stepwise'),
    milestones: z.array(finite.min(0).max(1)).max(100),
    factor: finite.min(0).max(1000),
  }),
  z.strictObject({ kind: z.literal('warmup-inverse-sqrt'), warmup: integerIn(0, 10_000_000) }),
  z.strictObject({
    kind: z.literal('warmup-polynomial'),
    warmup: integerIn(0, 10_000_000),
    power: finite.min(0).max(100),
  }),
]);

/** `plan.json`: what `madgrad-lab report` rebuilds a reproduction's report from. */
export const planFileSchema = z.strictObject({
  preset: z.enum(PRESETS),
  tasks: z.array(taskNameSchema).min(1).max(MAX_TASKS),
  methods: z.array(knownMethodSchema).min(1).max(KNOWN_METHODS.length),
  seeds: seedsSchema,
  sizes: sizesSchema.optional(),
  schedule: scheduleSchema.optional(),
  modules: taskModulesSchema.optional(),
});

/** An input file that cannot be used, with a one-line reason naming it. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

const MAX_LINE = 400;

/**
 * `text` as one bounded line: control characters and line separators escaped, each quoted part
 * cut to its first 60 characters and the whole to 400.
 */
export function oneLine(text: string): string {
  const escaped = text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the target
    /[\u0000-\u001f\u007f\u2028\u2029]/g,
    (c) => (c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  const quotesCut = escaped.replace(
    /(["'`])([^"'`]{101,})\1/g,
    (_all, q: string, inner: string) => `${q}${inner.slice(0, MAX_QUOTED)}…${q}`,
  );
  return quotesCut.length > MAX_LINE ? `${quotesCut.slice(0, MAX_LINE)}…` : quotesCut;
}

/** The first problem zod found, as `field: message` (the field path cut short). */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const field = issue.path.map((p) => quotedKey(String(p))).join('.');
  return `${field || '(the whole file)'}: ${issue.message}`;
}

function quotedKey(key: string): string {
  return /^[A-Za-z0-9_-]{1,40}$/.test(key) ? key : quoted(key);
}

/** The largest input file read (plan.json and ablation.json are a few hundred bytes). */
const MAX_FILE_BYTES = 1 << 20;

/**
 * The JSON file at `path` checked against `schema`; undefined when there is no such file. Throws
 * `InputFileError` naming the file and the first offending field when it cannot be read, is not
 * JSON, or does not match.
 */
export function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new InputFileError(`${path} is not a file`);
    if (stat.size > MAX_FILE_BYTES) {
      throw new InputFileError(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new InputFileError(`${path} cannot be read (${code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputFileError(`${path} is not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InputFileError(`${path}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}
