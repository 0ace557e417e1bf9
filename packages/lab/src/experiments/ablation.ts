import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { ABLATION_METHODS, type AblationMethodName } from './methods.js';
import { OutDirError } from './out-dir.js';
import { type AblationTaskName, ablationConfigSchema, readJsonFile } from './plan-schema.js';
import { PRESET_TABLE, type Preset, type PresetName } from './presets.js';
import type { Plan } from './protocol.js';
import { RunStore } from './run-store.js';
import { type RunnerOptions, runPlans } from './runner.js';
import type { ScheduleSpec } from './tasks/schedules.js';
import type { TaskSize } from './tasks/task.js';

/**
 * The design ablation: MADGRAD built from its parts (Defazio & Jelassi 2021, §5), each
 * step trained with the harness's protocol under a flat schedule and under the stage-wise one.
 * Its tasks (ABLATION_TASKS) are listed with the schemas of its file, in plan-schema.ts.
 */
export { ABLATION_TASKS, type AblationTaskName, isAblationTask } from './plan-schema.js';

/** The two arms: no schedule at all, and CIFAR's ×0.1 at 50% and 75% of training. */
export const ABLATION_SCHEDULES = {
  flat: { kind: 'constant' },
  'stage-wise': { kind: 'stepwise', milestones: [0.5, 0.75], factor: 0.1 },
} as const satisfies Record<string, ScheduleSpec>;
export type AblationScheduleName = keyof typeof ABLATION_SCHEDULES;
export const ABLATION_SCHEDULE_NAMES = Object.keys(ABLATION_SCHEDULES) as AblationScheduleName[];

/** The ablation's presets, on top of the reproduction's (their grids; their sizes where unset). */
interface AblationPreset {
  readonly description: string;
  readonly tasks: readonly AblationTaskName[];
  readonly lrExponents: readonly number[];
  readonly seeds: number;
  readonly sizes: Partial<Record<AblationTaskName, TaskSize>>;
}

export const ABLATION_PRESETS: Readonly<Record<PresetName, AblationPreset>> = {
  smoke: {
    description: 'seconds per run, for tests: each method at its usual learning rate, one seed',
    tasks: ['digits'],
    lrExponents: [0],
    seeds: 1,
    sizes: {},
  },
  quick: {
    description:
      'digits only: a 6-point learning-rate sweep (×¼ to ×8 the usual value: the stage-wise schedule favours larger rates), the best setting re-run to 5 seeds, the small ResNet on 768 training digits for 4 epochs',
    tasks: ['digits'],
    lrExponents: [-2, -1, 0, 1, 2, 3],
    seeds: 5,
    sizes: {
      digits: { train: 768, val: 300, test: 500, epochs: 4, batchSize: 32, width: 8 },
    },
  },
  standard: {
    description:
      "digits at the reproduction's standard size (4,096 digits, 8 epochs): a 4-point learning-rate sweep (×½ to ×4 the usual value, growing past a winning edge), the best setting re-run to 5 seeds",
    tasks: ['digits'],
    lrExponents: [-1, 0, 1, 2],
    seeds: 5,
    sizes: {},
  },
  full: {
    description:
      "digits and g2p at the reproduction's full sizes: a 7-point learning-rate sweep (×1/8 to ×8), the best setting re-run to 5 seeds",
    tasks: ['digits', 'g2p'],
    lrExponents: [-3, -2, -1, 0, 1, 2, 3],
    seeds: 5,
    sizes: {},
  },
};

/** What the ablation runs: enough to rebuild its plans (stored as `<out>/ablation.json`). */
export interface AblationConfig {
  readonly preset: PresetName;
  readonly tasks: readonly AblationTaskName[];
  readonly methods: readonly AblationMethodName[];
  readonly seeds: number;
  /** Size overrides (tests use smaller runs than the preset). */
  readonly sizes?: Partial<Record<AblationTaskName, TaskSize>>;
}

export function ablationConfig(
  preset: PresetName,
  overrides: Partial<Omit<AblationConfig, 'preset'>> = {},
): AblationConfig {
  const p = ABLATION_PRESETS[preset];
  return {
    preset,
    tasks: overrides.tasks ?? p.tasks,
    methods: overrides.methods ?? ABLATION_METHODS,
    seeds: overrides.seeds ?? p.seeds,
    ...(overrides.sizes ? { sizes: overrides.sizes } : {}),
  };
}

/** One arm of the ablation: the harness's plan with every task's schedule replaced. */
export interface AblationArm {
  readonly schedule: AblationScheduleName;
  readonly plan: Plan;
}

export function ablationArms(config: AblationConfig): AblationArm[] {
  const p = ABLATION_PRESETS[config.preset];
  const { lrCentres: _reproductionCentres, ...base } = PRESET_TABLE[config.preset];
  const preset: Preset = {
    ...base,
    description: p.description,
    lrExponents: p.lrExponents,
    sweepWeightDecay: false,
    seeds: p.seeds,
    sizes: { ...base.sizes, ...p.sizes },
  };
  return ABLATION_SCHEDULE_NAMES.map((schedule) => ({
    schedule,
    plan: {
      preset,
      tasks: config.tasks,
      methods: config.methods,
      seeds: config.seeds,
      schedule: ABLATION_SCHEDULES[schedule],
      ...(config.sizes ? { sizes: config.sizes } : {}),
    },
  }));
}

/**
 * Stores the config as `<outDir>/ablation.json`. Refuses (OutDirError, nothing written) when the
 * directory already holds another ablation, whose report the new one would silently replace.
 */
export function saveAblationConfig(outDir: string, config: AblationConfig): void {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  const path = join(outDir, 'ablation.json');
  const old = loadAblationConfig(outDir);
  if (old && canonicalJson(old) !== canonicalJson(config)) {
    throw new OutDirError(
      `--out ${outDir} already holds another ablation (preset ${old.preset}, tasks ${old.tasks.join(',')}, ${old.seeds} seeds): choose another --out, or delete ${path} to replace its report`,
    );
  }
  writeFileSync(path, text);
}

/**
 * The config stored in `<outDir>/ablation.json`, checked by its schema (plan-schema.ts); undefined
 * when there is none. Throws `InputFileError` (one line naming the file and field) when damaged.
 */
export function loadAblationConfig(outDir: string): AblationConfig | undefined {
  return readJsonFile(join(outDir, 'ablation.json'), ablationConfigSchema);
}

/**
 * Runs the ablation: every arm's sweeps and chosen settings over the remaining seeds, in one pool
 * (so both schedules share the cores). Finished runs are stored at once; rerunning resumes.
 */
export async function runAblation(
  config: AblationConfig,
  outDir: string,
  options: RunnerOptions,
): Promise<RunStore> {
  const store = new RunStore(outDir);
  await runPlans(
    ablationArms(config).map((a) => a.plan),
    store,
    options,
  );
  return store;
}
