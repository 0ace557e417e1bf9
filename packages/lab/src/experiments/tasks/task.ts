import type { Hyperparameters, MainMethodName, MethodName } from '../methods.js';
import type { Schedule } from '../schedules.js';

export const TASKS = ['digits', 'kspace', 'g2p', 'mlm', 'sparse'] as const;
export type TaskName = (typeof TASKS)[number];

export function isTask(name: string): name is TaskName {
  return (TASKS as readonly string[]).includes(name);
}

/** How big a run of a task is: presets choose these. `width` scales the model. */
export interface TaskSize {
  readonly train: number;
  readonly val: number;
  readonly test: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly width: number;
}

/** Metrics after one epoch: `train_loss`, then `val_<metric>` and `test_<metric>` for each metric. */
export type EpochMetrics = { epoch: number } & Record<string, number>;

export type RunStatus = 'ok' | 'diverged' | 'failed';

export interface TaskOutcome {
  readonly epochs: EpochMetrics[];
  readonly status: RunStatus;
  readonly error?: string;
}

/** What a task needs to train once. */
export interface RunContext {
  readonly method: MethodName;
  readonly hyperparameters: Hyperparameters;
  readonly seed: number;
  readonly size: TaskSize;
  /** Replaces the task's own schedule (for experiments that compare schedules). */
  readonly schedule?: Schedule;
  readonly onEpoch?: (metrics: EpochMetrics) => void;
  /** Called after every optimizer step (progress bars). */
  readonly onStep?: (step: number, total: number) => void;
}

export interface MetricInfo {
  /** Key in the per-epoch records, after `val_` / `test_`. */
  readonly key: string;
  readonly label: string;
  readonly higherIsBetter: boolean;
}

/** One of the five problems. */
export interface Task {
  readonly name: TaskName;
  readonly mirrors: string;
  readonly data: string;
  readonly model: string;
  /** Primary metric: chosen on validation, reported on test. */
  readonly metric: MetricInfo;
  /** Further metrics reported in the tables. */
  readonly extraMetrics: readonly MetricInfo[];
  readonly usesWeightDecay: boolean;
  readonly clipNorm?: number;
  /**
   * The usual learning rate of each method on this problem: the centre of the sweep grid. Where
   * the first quick sweep (a 5-point grid, before the protocol grew grids past a winning edge)
   * chose the top of its grid, the centre was moved up once (×2); where the second one still chose
   * the top after growing twice (×16 the centre), it was moved up ×4 again.
   */
  readonly lrCentre: Readonly<Record<MainMethodName, number>>;
  /** The weight-decay grid of each method (a single 0 where the task uses no decay). */
  readonly weightDecayGrid: Readonly<Record<MainMethodName, readonly number[]>>;
  /** The largest data split available: sizes must fit. */
  readonly available: { readonly train: number; readonly val: number; readonly test: number };
  schedule(size: TaskSize, stepsPerEpoch: number): Schedule;
  run(ctx: RunContext): Promise<TaskOutcome>;
}

/** No weight decay for any method. */
export const NO_DECAY: Readonly<Record<MainMethodName, readonly number[]>> = {
  madgrad: [0],
  'mirror-madgrad': [0],
  sgd: [0],
  adam: [0],
  adagrad: [0],
};
