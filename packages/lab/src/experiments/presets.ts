import type { TaskName, TaskSize } from './tasks/task.js';

export const PRESETS = ['smoke', 'quick', 'full'] as const;
export type PresetName = (typeof PRESETS)[number];

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

export const PRESET_TABLE: Readonly<Record<PresetName, Preset>> = {
  smoke: {
    name: 'smoke',
    description:
      'seconds per run, for tests: each method at its usual learning rate, one seed, tiny data',
    lrExponents: [0],
    sweepWeightDecay: false,
    seeds: 1,
    sizes: {
      digits: { train: 256, val: 100, test: 100, epochs: 2, batchSize: 64, width: 32 },
      kspace: { train: 256, val: 50, test: 50, epochs: 2, batchSize: 64, width: 32 },
      g2p: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 64, width: 16 },
      mlm: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 64, width: 16 },
      sparse: { train: 512, val: 200, test: 200, epochs: 2, batchSize: 64, width: 0 },
    },
  },
  quick: {
    name: 'quick',
    description:
      'the main job (under 15 minutes on 2 cores): a 4-point learning-rate sweep (×½ to ×4 the usual value, growing past an edge that wins), the best setting re-run to 3 seeds, small subsets and models',
    lrExponents: [-1, 0, 1, 2],
    sweepWeightDecay: false,
    seeds: 3,
    sizes: {
      digits: { train: 2000, val: 500, test: 1000, epochs: 6, batchSize: 64, width: 128 },
      kspace: { train: 2000, val: 300, test: 500, epochs: 5, batchSize: 64, width: 256 },
      g2p: { train: 2048, val: 300, test: 500, epochs: 4, batchSize: 128, width: 48 },
      mlm: { train: 2048, val: 300, test: 500, epochs: 4, batchSize: 128, width: 16 },
      sparse: { train: 4046, val: 1000, test: 1000, epochs: 5, batchSize: 32, width: 0 },
    },
  },
  full: {
    name: 'full',
    description:
      'the whole protocol: a 7-point learning-rate sweep (×1/8 to ×8), the weight-decay grid on digits, the best setting re-run to 5 seeds, all data',
    lrExponents: [-3, -2, -1, 0, 1, 2, 3],
    sweepWeightDecay: true,
    seeds: 5,
    sizes: {
      digits: { train: 7000, val: 1000, test: 2000, epochs: 20, batchSize: 128, width: 256 },
      kspace: { train: 7000, val: 1000, test: 2000, epochs: 15, batchSize: 64, width: 512 },
      g2p: { train: 20000, val: 2000, test: 2000, epochs: 15, batchSize: 64, width: 128 },
      mlm: { train: 20000, val: 3000, test: 3000, epochs: 10, batchSize: 64, width: 64 },
      sparse: { train: 4046, val: 1000, test: 1000, epochs: 20, batchSize: 32, width: 0 },
    },
  },
};
