import type * as tf from '@tensorflow/tfjs-core';
import {
  isRecord,
  lrCentresProblems,
  METRIC_KEY_PATTERN,
  shown,
  taskChecks,
  weightDecayGridProblems,
  wholeIn,
} from './field-checks.js';
import type { WeightDecayGrid } from './task.js';

/**
 * The public form of a task: what a user's module exports for `madgrad-lab tune`. `defineTask`
 * (user-task.ts) checks it and adapts it to the lab's `TfjsTask`.
 */

/** One split of the data: inputs and targets, the examples along the first axis of each. */
export interface UserSplit {
  /** Inputs: a tensor, or nested arrays / a typed array that `tf.tensor` accepts. */
  readonly x: tf.Tensor | tf.TensorLike;
  /** Targets: a tensor, or nested arrays / a typed array (class indices for the crossentropy losses). */
  readonly y: tf.Tensor | tf.TensorLike;
}

/** The three splits: the sweep trains on `train`, chooses on `val` and reports `test`. */
export interface UserData {
  readonly train: UserSplit;
  readonly val: UserSplit;
  readonly test: UserSplit;
}

/**
 * A model as a plain function over variables: `predict` maps a batch of inputs to outputs, and
 * the task's `loss` compares them with the targets.
 */
export interface FunctionModel {
  /** The trained variables (created with `tf.variable`, trainable). */
  readonly variables: readonly tf.Variable[] | Readonly<Record<string, tf.Variable>>;
  /** The outputs for a batch of inputs (examples along the first axis). */
  predict(x: tf.Tensor): tf.Tensor;
}

/** The parts of a tf.LayersModel (tf.Sequential, tf.model) the lab uses. */
export interface LayersModelLike {
  readonly trainableWeights: readonly { read(): tf.Tensor; readonly name: string }[];
  readonly nonTrainableWeights: readonly { read(): tf.Tensor }[];
  apply(inputs: tf.Tensor, kwargs?: { training?: boolean }): tf.Tensor | tf.Tensor[] | unknown;
}

/** A model as `model(seed)` returns it: a tf.LayersModel, or a function over variables. */
export type UserModel = LayersModelLike | FunctionModel;

/**
 * The built-in losses: `mse` (mean squared error, outputs shaped as the targets),
 * `crossentropy` (class probabilities, e.g. a softmax output, against class indices),
 * `crossentropy-logits` (unnormalised scores against class indices), `binary-crossentropy`
 * (probabilities of class 1, shaped as the 0/1 targets).
 */
export const LOSS_NAMES = ['mse', 'crossentropy', 'crossentropy-logits', 'binary-crossentropy'];
export type LossName = 'mse' | 'crossentropy' | 'crossentropy-logits' | 'binary-crossentropy';

/** A loss: a built-in's name, or the mean loss of a batch from its targets and outputs. */
export type UserLoss = LossName | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar);

/**
 * The metric the sweep chooses on (on validation) and the report shows (on test). `accuracy` (%
 * of examples whose largest output, or output above 0.5 for one output, is the target class) and
 * `loss` (the task's loss) need no `compute`.
 */
export interface UserMetric {
  /** Its key in the records: a lowercase letter, then lowercase letters, digits or `_`. */
  readonly name: string;
  /** Whether a larger value is better (accuracy) or a smaller one (a loss, an error). */
  readonly higherIsBetter: boolean;
  /** The metric of a whole split from its targets and outputs (absent for `accuracy` and `loss`). */
  readonly compute?: (yTrue: tf.Tensor, yPred: tf.Tensor) => number | tf.Tensor;
}

/** A user's task, as its module exports it (default export, or the export named `task`). */
export interface UserTaskSpec {
  /** The task's name in run ids and the report: a lowercase letter, then up to 39 of a-z, 0-9, `-`, `_`. */
  readonly name: string;
  /** One sentence for the report: what the task is. @default "a user's task" */
  readonly description?: string;
  /** The three splits, or a promise of them; called once per process. */
  data(): UserData | Promise<UserData>;
  /** A freshly initialised model; use `seed` in its initialisers so that runs are reproducible. */
  model(seed: number): UserModel;
  readonly loss: UserLoss;
  readonly metric: UserMetric;
  /** Epochs of a run under the quick preset (the standard and full presets train twice as many). */
  readonly epochs: number;
  readonly batchSize: number;
  /**
   * Steps per epoch: a run trains on the first `stepsPerEpoch × batchSize` training examples.
   * @default every full batch of the training split
   */
  readonly stepsPerEpoch?: number;
  /**
   * Centres of the learning-rate sweep by method (`madgrad`, `adam`, …).
   * @default each method's usual learning rate (MADGRAD 0.01, Adam 0.001, SGD 0.1, AdaGrad 0.01)
   */
  readonly lrCentres?: Readonly<Record<string, number>>;
  /**
   * Weight decays swept with each learning rate under the standard and full presets: one grid
   * for every method, or a grid by method (`{ madgrad: [0, 1e-5], adam: [0, 5e-4] }`; a method
   * left out sweeps none).
   * @default [0]
   */
  readonly weightDecayGrid?: WeightDecayGrid;
}

const KEYS = new Set([
  'name',
  'description',
  'data',
  'model',
  'loss',
  'metric',
  'epochs',
  'batchSize',
  'stepsPerEpoch',
  'lrCentres',
  'weightDecayGrid',
]);

/** Every mistake of a spec, each one line naming the field (empty: the spec is sound). */
export function specProblems(spec: unknown): string[] {
  if (!isRecord(spec)) {
    return [
      `task: must be an object with name, data, model, loss, metric, epochs and batchSize, got ${shown(spec)}`,
    ];
  }
  const s = spec;
  const { at, out, bad } = taskChecks(s, KEYS);
  if (s.description !== undefined && typeof s.description !== 'string')
    bad('description', 'a string');
  if (typeof s.data !== 'function') bad('data', 'a function returning { train, val, test }');
  if (typeof s.model !== 'function') bad('model', 'a function of the seed returning a model');
  if (!(typeof s.loss === 'function' || LOSS_NAMES.includes(s.loss as string))) {
    bad('loss', `one of ${LOSS_NAMES.join(', ')} or a function (yTrue, yPred) => tf.Scalar`);
  }
  out.push(...metricProblems(at, s.metric));
  if (!wholeIn(s.epochs, 1, 10_000)) bad('epochs', 'a whole number from 1 to 10000');
  if (!wholeIn(s.batchSize, 1, 1_000_000)) bad('batchSize', 'a whole number from 1 to 1000000');
  if (s.stepsPerEpoch !== undefined && !wholeIn(s.stepsPerEpoch, 1, 1_000_000)) {
    bad('stepsPerEpoch', 'a whole number from 1 to 1000000');
  }
  out.push(
    ...lrCentresProblems(at, s.lrCentres),
    ...weightDecayGridProblems(at, s.weightDecayGrid),
  );
  return out;
}

function metricProblems(at: string, metric: unknown): string[] {
  if (!isRecord(metric)) {
    return [
      `${at}: metric must be an object { name, higherIsBetter, compute? }, got ${shown(metric)}`,
    ];
  }
  const m = metric;
  const out: string[] = [];
  const name = m.name;
  if (typeof name !== 'string' || !METRIC_KEY_PATTERN.test(name)) {
    out.push(
      `${at}: metric.name must be a lowercase letter, then up to 39 lowercase letters, digits or _, got ${shown(name)}`,
    );
  }
  if (typeof m.higherIsBetter !== 'boolean') {
    out.push(`${at}: metric.higherIsBetter must be a boolean, got ${shown(m.higherIsBetter)}`);
  }
  if (m.compute !== undefined && typeof m.compute !== 'function') {
    out.push(
      `${at}: metric.compute must be a function (yTrue, yPred) => number, got ${shown(m.compute)}`,
    );
  } else if (m.compute === undefined && name !== 'accuracy' && name !== 'loss') {
    out.push(
      `${at}: metric "${String(name).slice(0, 40)}" needs a compute function (only accuracy and loss are built in)`,
    );
  }
  for (const key of Object.keys(m)) {
    if (!['name', 'higherIsBetter', 'compute'].includes(key)) {
      out.push(
        `${at}: metric has an unknown field ${shown(key)} (known: name, higherIsBetter, compute)`,
      );
    }
  }
  return out;
}
