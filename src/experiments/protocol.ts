import { lrCentreOf, weightDecayGridOf } from './lr-centres.js';
import type { Hyperparameters, MethodName } from './methods.js';
import type { Preset } from './presets.js';
import { type RunSpec, runId, type StoredRun } from './run-record.js';
import type { Schedule } from './schedules.js';
import { TASK_REGISTRY } from './tasks/index.js';
import type { TaskName, TaskSize } from './tasks/task.js';

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
  readonly schedule?: Schedule;
}

export function sizeOf(plan: Plan, task: TaskName): TaskSize {
  return plan.sizes?.[task] ?? plan.preset.sizes[task];
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
  schedule?: Schedule,
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

/** Every sweep point of the plan (seed 0). */
export function sweepSpecs(plan: Plan): RunSpec[] {
  const out: RunSpec[] = [];
  for (const task of plan.tasks) {
    for (const method of plan.methods) {
      const decays = plan.preset.sweepWeightDecay ? weightDecayGridOf(task, method) : [0];
      for (const lr of lrGrid(lrCentreOf(task, method), plan.preset.lrExponents)) {
        for (const weightDecay of decays) {
          out.push(spec(task, method, { lr, weightDecay }, 0, sizeOf(plan, task), plan.schedule));
        }
      }
    }
  }
  return out;
}

/** The validation value a run is chosen by, as "bigger is better"; -Infinity when unusable. */
export function selectionScore(run: StoredRun): number {
  const t = TASK_REGISTRY[run.task];
  const v = run.final[`val_${t.metric.key}`];
  if (run.status !== 'ok' || v === undefined || !Number.isFinite(v))
    return Number.NEGATIVE_INFINITY;
  return t.metric.higherIsBetter ? v : -v;
}

/**
 * The chosen hyperparameters of a task and method among stored sweep runs (seed 0 of this plan's
 * grid); ties go to the smaller learning rate. Undefined when the sweep has not finished.
 */
export function chooseSetting(
  plan: Plan,
  task: TaskName,
  method: MethodName,
  runs: ReadonlyMap<string, StoredRun>,
): Hyperparameters | undefined {
  let best: { score: number; hp: Hyperparameters } | undefined;
  for (const s of sweepSpecs({ ...plan, tasks: [task], methods: [method] })) {
    const run = runs.get(s.id);
    if (!run) return undefined;
    const score = selectionScore(run);
    if (
      !best ||
      score > best.score ||
      (score === best.score && s.hyperparameters.lr < best.hp.lr)
    ) {
      best = { score, hp: s.hyperparameters };
    }
  }
  return best?.hp;
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

/** Optimizer steps of a run (for progress bars). */
export function stepsOf(size: TaskSize): number {
  return Math.max(1, Math.floor(size.train / size.batchSize)) * size.epochs;
}
