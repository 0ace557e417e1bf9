import { type Hyperparameters, lrCentreOf, type MethodName, weightDecayGridOf } from './methods.js';
import { type Preset, presetSizeOf } from './presets.js';
import { type RunSpec, runId, type StoredRun } from './run-record.js';
import type { TaskModuleRef } from './task-module-ref.js';
import { type TaskName, taskDefinition } from './tasks/index.js';
import type { ScheduleSpec } from './tasks/schedules.js';
import type { TaskSize } from './tasks/task.js';

/**
 * The paper's protocol: sweep the learning rate on a power-of-2 grid around each method's usual
 * value (and the weight-decay grid where the task and preset use it), one seed per point; choose
 * by the final validation metric; re-run the chosen setting over more seeds.
 */
export interface Plan {
  readonly preset: Preset;
  readonly tasks: readonly TaskName[];
  readonly methods: readonly MethodName[];
  /** Seeds for the chosen setting (seed 0 is the sweep run). */
  readonly seeds: number;
  /** Size overrides (tests use smaller runs than the preset). */
  readonly sizes?: Partial<Record<TaskName, TaskSize>>;
  /** A schedule replacing every task's own (the ablation's flat and stage-wise arms). */
  readonly schedule?: ScheduleSpec;
  /** The modules of the plan's tasks that are not built in, by task name (run pools import them). */
  readonly modules?: Readonly<Record<string, TaskModuleRef>>;
}

export function sizeOf(plan: Plan, task: TaskName): TaskSize {
  return plan.sizes?.[task] ?? presetSizeOf(plan.preset, task);
}

/**
 * The centre of a task and method's learning-rate grid under a plan: the preset's own where it
 * sets one, else the method's usual value on the task.
 */
export function lrCentreIn(plan: Plan, task: TaskName, method: MethodName): number {
  return plan.preset.lrCentres?.[task]?.[method] ?? lrCentreOf(task, method);
}

/** lr = centre · 2^k, rounded to 4 significant digits so ids stay stable. */
export function lrGrid(centre: number, exponents: readonly number[]): number[] {
  return exponents.map((k) => Number((centre * 2 ** k).toPrecision(4)));
}

export function spec(
  task: TaskName,
  method: MethodName,
  hp: Hyperparameters,
  seed: number,
  size: TaskSize,
  schedule?: ScheduleSpec,
): RunSpec {
  return {
    id: runId(task, method, hp, seed, size, schedule),
    task,
    method,
    hyperparameters: hp,
    seed,
    size,
    ...(schedule ? { schedule } : {}),
  };
}

/**
 * The safety cap on a sweep's growth past its preset's edge, in each direction. When the best
 * setting of a finished sweep is the largest (smallest) learning rate tried, the grid is extended
 * by one power of 2 in that direction and the sweep goes on, the same rule for every method, until
 * the best point is interior (a diverged point scores worst, so a next point that diverges ends
 * the growth too). A sweep still at its edge after this many extensions is reported as capped.
 */
export const MAX_EDGE_EXTENSIONS = 8;

/** The grid exponents of one task and method: the preset's, extended past edges where won. */
export function sweepExponents(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  runs?: ReadonlyMap<string, StoredRun>,
): number[] {
  let exponents = [...plan.preset.lrExponents].sort((a, b) => a - b);
  if (!runs || exponents.length < 3) return exponents;
  const low = exponents[0]!;
  const high = exponents.at(-1)!;
  for (;;) {
    const best = bestPoint(plan, task, method, exponents, runs);
    if (best === undefined) return exponents;
    const lo = exponents[0]!;
    const hi = exponents.at(-1)!;
    if (best.exponent === hi && hi - high < MAX_EDGE_EXTENSIONS) exponents = [...exponents, hi + 1];
    else if (best.exponent === lo && low - lo < MAX_EDGE_EXTENSIONS)
      exponents = [lo - 1, ...exponents];
    else return exponents;
  }
}

/**
 * Whether a finished sweep stopped at the cap with its best point still on the grid's edge
 * (a wider sweep might do better: the report says so).
 */
export function sweepCapped(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  runs: ReadonlyMap<string, StoredRun>,
): boolean {
  const exponents = sweepExponents(plan, task, method, runs);
  const best = bestPoint(plan, task, method, exponents, runs);
  if (!best || exponents.length < 3) return false;
  const preset = [...plan.preset.lrExponents].sort((a, b) => a - b);
  const hi = exponents.at(-1)!;
  const lo = exponents[0]!;
  return (
    (best.exponent === hi && hi - preset.at(-1)! >= MAX_EDGE_EXTENSIONS) ||
    (best.exponent === lo && preset[0]! - lo >= MAX_EDGE_EXTENSIONS)
  );
}

/** The sweep points of one task and method over the given exponents (seed 0). */
function pointSpecs(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  exponents: readonly number[],
): { exponent: number; spec: RunSpec }[] {
  const decays = plan.preset.sweepWeightDecay ? weightDecayGridOf(task, method) : [0];
  const lrs = lrGrid(lrCentreIn(plan, task, method), exponents);
  return exponents.flatMap((exponent, i) =>
    decays.map((weightDecay) => ({
      exponent,
      spec: spec(task, method, { lr: lrs[i]!, weightDecay }, 0, sizeOf(plan, task), plan.schedule),
    })),
  );
}

/**
 * The best sweep point by validation metric (ties go to the smaller learning rate), or undefined
 * while any point has not run.
 */
function bestPoint(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  exponents: readonly number[],
  runs: ReadonlyMap<string, StoredRun>,
): { exponent: number; hp: Hyperparameters } | undefined {
  let best: { score: number; exponent: number; hp: Hyperparameters } | undefined;
  for (const { exponent, spec: s } of pointSpecs(plan, task, method, exponents)) {
    const run = runs.get(s.id);
    if (!run) return undefined;
    const score = selectionScore(run);
    if (
      !best ||
      score > best.score ||
      (score === best.score && s.hyperparameters.lr < best.hp.lr)
    ) {
      best = { score, exponent, hp: s.hyperparameters };
    }
  }
  return best;
}

/**
 * Every sweep point of the plan (seed 0). Given the stored runs, the grids include the points
 * added past edges where a finished sweep chose its largest or smallest learning rate.
 */
export function sweepSpecs(plan: Plan, runs?: ReadonlyMap<string, StoredRun>): RunSpec[] {
  const out: RunSpec[] = [];
  for (const task of plan.tasks) {
    for (const method of plan.methods) {
      const exponents = sweepExponents(plan, task, method, runs);
      out.push(...pointSpecs(plan, task, method, exponents).map((p) => p.spec));
    }
  }
  return out;
}

/** The validation value a run is chosen by, as "bigger is better"; -Infinity when unusable. */
export function selectionScore(run: StoredRun): number {
  const t = taskDefinition(run.task);
  const v = run.final[`val_${t.metric.key}`];
  if (run.status !== 'ok' || v === undefined || !Number.isFinite(v))
    return Number.NEGATIVE_INFINITY;
  return t.metric.higherIsBetter ? v : -v;
}

/**
 * The chosen hyperparameters of a task and method among stored sweep runs (seed 0 of this plan's
 * grid, extended past edges as the sweep was); ties go to the smaller learning rate. Undefined
 * when the sweep has not finished.
 */
export function chooseSetting(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  runs: ReadonlyMap<string, StoredRun>,
): Hyperparameters | undefined {
  const exponents = sweepExponents(plan, task, method, runs);
  return bestPoint(plan, task, method, exponents, runs)?.hp;
}

/** The seed runs of the chosen settings (seeds 1..seeds-1; seed 0 is the sweep run). */
export function seedSpecs(plan: Plan, runs: ReadonlyMap<string, StoredRun>): RunSpec[] {
  const out: RunSpec[] = [];
  for (const task of plan.tasks) {
    for (const method of plan.methods) {
      const hp = chooseSetting(plan, task, method, runs);
      if (!hp) continue;
      for (let seed = 1; seed < plan.seeds; seed++) {
        out.push(spec(task, method, hp, seed, sizeOf(plan, task), plan.schedule));
      }
    }
  }
  return out;
}

/** The runs behind the final table: the chosen setting of each task and method, every seed. */
export function finalRuns(
  plan: Plan,
  runs: ReadonlyMap<string, StoredRun>,
): Map<string, { task: TaskName; method: MethodName; hp: Hyperparameters; runs: StoredRun[] }> {
  const out = new Map<
    string,
    { task: TaskName; method: MethodName; hp: Hyperparameters; runs: StoredRun[] }
  >();
  for (const task of plan.tasks) {
    for (const method of plan.methods) {
      const hp = chooseSetting(plan, task, method, runs);
      if (!hp) continue;
      const found: StoredRun[] = [];
      for (let seed = 0; seed < plan.seeds; seed++) {
        const r = runs.get(spec(task, method, hp, seed, sizeOf(plan, task), plan.schedule).id);
        if (r) found.push(r);
      }
      out.set(`${task}/${method}`, { task, method, hp, runs: found });
    }
  }
  return out;
}
