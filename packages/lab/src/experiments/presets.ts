import { TASK_REGISTRY, TASKS, type TaskName } from './tasks/index.js';
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
  readonly sweepWeightDecay: boolean;
  readonly seeds: number;
  readonly sizes: Readonly<Record<TaskName, TaskSize>>;
}

/** Each task's size under a preset (the tasks define them). */
function sizesOf(preset: PresetName): Readonly<Record<TaskName, TaskSize>> {
  return Object.fromEntries(TASKS.map((t) => [t, TASK_REGISTRY[t].sizes[preset]])) as Record<
    TaskName,
    TaskSize
  >;
}

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
