import { createHash } from 'node:crypto';
import {
  ABLATION_SCHEDULE_NAMES,
  type AblationConfig,
  type AblationScheduleName,
  ablationArms,
} from '../experiments/ablation.js';
import { canonicalJson } from '../experiments/canonical-json.js';
import { type MethodName, weightDecayGridOf } from '../experiments/methods.js';
import { PRESET_TABLE, type PresetName } from '../experiments/presets.js';
import {
  lrCentreIn,
  lrGrid,
  MAX_EDGE_EXTENSIONS,
  type Plan,
  sizeOf,
  spec,
} from '../experiments/protocol.js';
import type { RunSpec } from '../experiments/run-record.js';
import type { TaskModuleRef } from '../experiments/task-module-ref.js';
import type { TaskName } from '../experiments/tasks/index.js';
import type { TaskSize } from '../experiments/tasks/task.js';

/**
 * What a job says about the plan it belongs to: names and counts only. A worker rebuilds the plan
 * from these with its own code (its own presets), so sizes and grids come from the worker's code,
 * and the plan hash tells whether the coordinator's code built the same plan.
 */
export type PlanRef =
  | {
      readonly kind: 'protocol';
      readonly preset: PresetName;
      readonly tasks: readonly TaskName[];
      readonly methods: readonly MethodName[];
      readonly seeds: number;
      readonly sizes?: Partial<Record<TaskName, TaskSize>>;
      /** The modules of tasks that are not built in (a tune's plan): a worker imports them. */
      readonly modules?: Readonly<Record<string, TaskModuleRef>>;
    }
  | {
      readonly kind: 'ablation';
      readonly config: AblationConfig;
      readonly arm: AblationScheduleName;
    };

/** The reference of a protocol plan (the reproduction's `sweep` and `reproduce`). */
export function protocolRef(plan: Plan): PlanRef {
  return {
    kind: 'protocol',
    preset: plan.preset.name,
    tasks: [...plan.tasks],
    methods: [...plan.methods],
    seeds: plan.seeds,
    ...(plan.sizes ? { sizes: plan.sizes } : {}),
    ...(plan.modules ? { modules: plan.modules } : {}),
  };
}

/** The references of an ablation's arms (one plan per schedule). */
export function ablationRefs(config: AblationConfig): PlanRef[] {
  return ABLATION_SCHEDULE_NAMES.map((arm) => ({ kind: 'ablation', config, arm }));
}

/** The plan a reference names, built by this code. */
export function planFromRef(ref: PlanRef): Plan {
  if (ref.kind === 'protocol') {
    return {
      preset: PRESET_TABLE[ref.preset],
      tasks: ref.tasks,
      methods: ref.methods,
      seeds: ref.seeds,
      ...(ref.sizes ? { sizes: ref.sizes } : {}),
      ...(ref.modules ? { modules: ref.modules } : {}),
    };
  }
  const arm = ablationArms(ref.config).find((a) => a.schedule === ref.arm);
  if (!arm) throw new Error(`no ablation arm "${ref.arm}"`);
  return arm.plan;
}

/**
 * A hash of everything in a plan that decides its runs: the preset's sizes, grid and seeds, the
 * tasks, methods, size overrides and schedule (not the preset's prose description).
 */
export function planHash(plan: Plan): string {
  const { description: _description, ...preset } = plan.preset;
  return createHash('sha256')
    .update(canonicalJson({ ...plan, preset }))
    .digest('hex');
}

/**
 * The spec this plan would run for these names and numbers, rebuilt from the plan (so sizes and
 * schedule are the plan's, never the payload's); undefined when the plan holds no such run: an
 * unknown task or method for the plan, a learning rate off its grid (grown past its edges at most
 * as far as the protocol grows it), a weight decay off its grid, or a seed beyond its seeds.
 */
export function specInPlan(
  plan: Plan,
  claimed: Pick<RunSpec, 'task' | 'method' | 'hyperparameters' | 'seed'>,
): RunSpec | undefined {
  const { task, method, hyperparameters: hp, seed } = claimed;
  if (!plan.tasks.includes(task) || !plan.methods.includes(method)) return undefined;
  if (hp.momentum !== undefined || seed < 0 || seed >= Math.max(1, plan.seeds)) return undefined;
  const exps = plan.preset.lrExponents;
  const lo = Math.min(...exps) - MAX_EDGE_EXTENSIONS;
  const hi = Math.max(...exps) + MAX_EDGE_EXTENSIONS;
  let centre: number;
  try {
    centre = lrCentreIn(plan, task, method);
  } catch {
    return undefined;
  }
  const grid = lrGrid(
    centre,
    Array.from({ length: hi - lo + 1 }, (_, i) => lo + i),
  );
  if (!grid.includes(hp.lr)) return undefined;
  const decays = plan.preset.sweepWeightDecay ? weightDecayGridOf(task, method) : [0];
  if (!decays.includes(hp.weightDecay)) return undefined;
  return spec(
    task,
    method,
    { lr: hp.lr, weightDecay: hp.weightDecay },
    seed,
    sizeOf(plan, task),
    plan.schedule,
  );
}
