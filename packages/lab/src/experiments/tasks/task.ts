import type { GradientMap, Parameter } from 'madgrad';
import type { ScheduleSpec } from './schedules.js';
import type { TfModel } from './tf-model.js';

/**
 * The presets that size a run: seconds for tests, the quick reproduction, training to a plateau
 * within 90 minutes on 2 cores, the whole protocol.
 */
export const PRESETS = ['smoke', 'quick', 'standard', 'full'] as const;
export type PresetName = (typeof PRESETS)[number];

/** How big a run of a task is: presets choose these. `width` scales the model. */
export interface TaskSize {
  readonly train: number;
  readonly val: number;
  readonly test: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly width: number;
}

/** Optimizer steps in one epoch: every full batch of the training subset (the last partial one is dropped). */
export function stepsPerEpochOf(size: TaskSize): number {
  return Math.max(1, Math.floor(size.train / size.batchSize));
}

/** Optimizer steps of a whole run. */
export function totalStepsOf(size: TaskSize): number {
  return stepsPerEpochOf(size) * size.epochs;
}

/** Metrics after one epoch: `train_loss`, then `val_<metric>` and `test_<metric>` for each metric. */
export type EpochMetrics = { epoch: number } & Record<string, number>;

/**
 * What a model that learned nothing scores on a metric: a uniform guess, the all-zeros weights,
 * or the input the model corrects. `means` says which, in words, with the number.
 */
export interface ChanceLevel {
  readonly value: number;
  readonly means: string;
}

export interface MetricInfo {
  /** Key in the per-epoch records, after `val_` / `test_`. */
  readonly key: string;
  readonly label: string;
  readonly higherIsBetter: boolean;
  /** The chance level of the metric, where the task defines one (the report judges by it). */
  readonly chance?: ChanceLevel;
}

/**
 * What trains a task's model: `tfjs` (tf.Variables, gradients by tf.variableGrads, on the chosen
 * tfjs backend) or `core` (the library's optimizers over Float32Array, gradients computed by the
 * model itself).
 */
export type Engine = 'tfjs' | 'core';

/** A model trained by the core engine: plain parameters and a hand-written gradient. */
export interface CoreModel {
  readonly parameters: Parameter[];
  /** The gradient of the training loss on a batch (positions in the training subset). */
  gradient(batch: readonly number[]): GradientMap;
  /** Metrics after an epoch: `train_loss`, `val_<key>`, `test_<key>` and any further records. */
  evaluate(): Record<string, number>;
}

/** The parts of a task every engine shares: what it is, how it is measured and scheduled. */
interface TaskBase<Name extends string> {
  readonly name: Name;
  /** For the report: the paper's problem it mirrors, its data and its model (W: the width). */
  readonly about: { readonly mirrors: string; readonly data: string; readonly model: string };
  /** Primary metric: chosen on validation, reported on test. */
  readonly metric: MetricInfo;
  /** Further metrics reported in the tables. */
  readonly extraMetrics: readonly MetricInfo[];
  /** Clip the gradient (after weight decay) to this global norm at every step (absent: no clipping). */
  readonly clipNorm?: number;
  /**
   * The run records the training objective against a known optimum f* (`objective`, `f_star`,
   * `val_gap`, `test_gap`): the report re-bases and plots the optimality gap.
   */
  readonly optimalityGap?: boolean;
  /** The largest data split available: sizes must fit. */
  readonly available: { readonly train: number; readonly val: number; readonly test: number };
  /** The size of a run under each preset. */
  readonly sizes: Readonly<Record<PresetName, TaskSize>>;
  /** The task's own learning-rate schedule, given the run's size and steps per epoch. */
  schedule(size: TaskSize, stepsPerEpoch: number): ScheduleSpec;
  /**
   * Loads what the task needs before its sizes or data are read (a user's task: its data, which
   * may come asynchronously); called before every run, so it returns at once when done before.
   */
  prepare?(): Promise<void>;
  /**
   * The sha256 of the task's data once `prepare` has loaded it, where computing it is cheap (the
   * simple form's splits): the plan records it, and workers refuse other data.
   */
  dataSha256?(): string;
  /**
   * The centre of each method's learning-rate sweep, by method name (absent for a method: the
   * method's own centre on this task where it has one, else its usual learning rate).
   */
  readonly lrCentres?: Readonly<Record<string, number>>;
  /**
   * The weight decays swept with each learning rate by the presets that sweep decay: one grid for
   * every method, or a grid by method name (absent, or absent for a method: [0]).
   */
  readonly weightDecayGrid?: WeightDecayGrid;
}

/** Weight decays to sweep: one grid for every method, or a grid by method name. */
export type WeightDecayGrid = readonly number[] | Readonly<Record<string, readonly number[]>>;

/** A task trained with tensorflow.js: its data, and a model over that data. */
export interface TfjsTask<Name extends string = string, Data = unknown> extends TaskBase<Name> {
  readonly engine: 'tfjs';
  /** The data of a run of this size (the training subset has exactly `size.train` examples). */
  data(size: TaskSize): Data;
  /** A freshly initialised model; `loss` takes positions in the training subset. */
  model(data: Data, size: TaskSize, seed: number): TfModel;
}

/** A task trained by the library's core optimizers over Float32Array parameters. */
export interface CoreTask<Name extends string = string, Data = unknown> extends TaskBase<Name> {
  readonly engine: 'core';
  data(size: TaskSize): Data;
  model(data: Data, size: TaskSize, seed: number): CoreModel;
}

/** A task = data + model + metric (and the schedule and sizes it is run with). */
export type TaskDefinition<Name extends string = string> = TfjsTask<Name> | CoreTask<Name>;
