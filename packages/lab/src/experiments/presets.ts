import type { MethodName } from './methods.js';
import {
  type BuiltinTaskName,
  isBuiltinTask,
  TASK_REGISTRY,
  TASKS,
  type TaskName,
  taskDefinition,
} from './tasks/index.js';
import { PRESETS, type PresetName, type TaskSize } from './tasks/task.js';

export { PRESETS, type PresetName };

export function isPreset(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
}

/**
 * A preset: how big each task is, the sweep grid (powers of 2 around each method's usual
 * learning rate), whether the weight-decay grid is swept, and how many seeds the chosen setting
 * is run with (seed 0 is the sweep's own run).
 */
export interface Preset {
  readonly name: PresetName;
  readonly description: string;
  /** Exponents k of the grid lr = centre · 2^k. */
  readonly lrExponents: readonly number[];
  /**
   * Grid centres replacing the methods' usual values (absent: the usual values). Any centre gives
   * the same choice where the sweep's best point is interior; a centre near it saves the points
   * the sweep would spend growing there.
   */
  readonly lrCentres?: Readonly<Partial<Record<TaskName, Partial<Record<MethodName, number>>>>>;
  readonly sweepWeightDecay: boolean;
  readonly seeds: number;
  /** The built-in tasks' sizes (another task's come from the task: `presetSizeOf`). */
  readonly sizes: Readonly<Record<BuiltinTaskName, TaskSize>>;
}

/** A task's size under a preset: the preset's for a built-in task, the task's own for another. */
export function presetSizeOf(preset: Preset, task: TaskName): TaskSize {
  return isBuiltinTask(task) ? preset.sizes[task] : taskDefinition(task).sizes[preset.name];
}

/** Each task's size under a preset (the tasks define them). */
function sizesOf(preset: PresetName): Readonly<Record<BuiltinTaskName, TaskSize>> {
  return Object.fromEntries(TASKS.map((t) => [t, TASK_REGISTRY[t].sizes[preset]])) as Record<
    BuiltinTaskName,
    TaskSize
  >;
}

/**
 * The learning rates the quick preset chose (docs/reproduction.md): the standard preset's grid
 * centres.
 */
const QUICK_CHOSEN_RATES = {
  digits: { madgrad: 0.032, 'mirror-madgrad': 0.256, sgd: 0.2, adam: 0.016, adagrad: 0.16 },
  kspace: { madgrad: 0.16, 'mirror-madgrad': 0.08, sgd: 0.1, adam: 0.016, adagrad: 0.04 },
  g2p: { madgrad: 1.6, 'mirror-madgrad': 0.8, sgd: 2, adam: 0.064, adagrad: 0.1 },
  mlm: { madgrad: 0.16, 'mirror-madgrad': 0.16, sgd: 0.5, adam: 0.032, adagrad: 0.08 },
  sparse: { madgrad: 2.56, 'mirror-madgrad': 2.56, sgd: 16, adam: 0.16, adagrad: 0.8 },
} as const satisfies Preset['lrCentres'];

export const PRESET_TABLE: Readonly<Record<PresetName, Preset>> = {
  smoke: {
    name: 'smoke',
    description:
      'seconds per run, for tests: each method at its usual learning rate, one seed, tiny data',
    lrExponents: [0],
    sweepWeightDecay: false,
    seeds: 1,
    sizes: sizesOf('smoke'),
  },
  quick: {
    name: 'quick',
    description:
      'the main job (under 15 minutes on 2 cores): a 4-point learning-rate sweep (×½ to ×4 the usual value, growing past an edge that wins), the best setting re-run to 3 seeds, small subsets and models',
    lrExponents: [-1, 0, 1, 2],
    sweepWeightDecay: false,
    seeds: 3,
    sizes: sizesOf('quick'),
  },
  standard: {
    name: 'standard',
    description:
      'every task trained towards a plateau (the report checks it) within 90 minutes on 2 cores: a 3-point learning-rate sweep (×½, ×1, ×2 the rate the quick preset chose, growing past a winning edge), the weight-decay grid on digits, the best setting re-run to 8 seeds, 2,048-4,096 examples for 8-20 epochs, sized from measured per-run costs',
    lrExponents: [-1, 0, 1],
    lrCentres: QUICK_CHOSEN_RATES,
    sweepWeightDecay: true,
    seeds: 8,
    sizes: sizesOf('standard'),
  },
  full: {
    name: 'full',
    description:
      'the whole protocol: a 7-point learning-rate sweep (×1/8 to ×8), the weight-decay grid on digits, the best setting re-run to 5 seeds, all data',
    lrExponents: [-3, -2, -1, 0, 1, 2, 3],
    sweepWeightDecay: true,
    seeds: 5,
    sizes: sizesOf('full'),
  },
};
