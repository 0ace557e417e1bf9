/**
 * madgrad-lab as a library: define a task of your own (`defineTask`, in the simple form or in the
 * full form of the lab's built-in tasks) and run the MADGRAD paper's protocol on it (`tune`), as
 * `madgrad-lab tune ./my-task.mjs` does from the command line.
 */
export type { BackendName } from './experiments/backend.js';
export type { Rng } from './experiments/data/rng.js';
export type { MainMethodName } from './experiments/methods.js';
export type { PresetName } from './experiments/presets.js';
export type { Estimate } from './experiments/report/summary.js';
export type { TaskModuleRef } from './experiments/task-module-ref.js';
export { defineTask } from './experiments/tasks/define-task.js';
export type { ScheduleSpec } from './experiments/tasks/schedules.js';
export type {
  ChanceLevel,
  CoreModel,
  CoreTask,
  Engine,
  EpochMetrics,
  MetricInfo,
  TaskDefinition,
  TaskSize,
  TfjsTask,
  WeightDecayGrid,
} from './experiments/tasks/task.js';
export type { TfModel } from './experiments/tasks/tf-model.js';
export type { UserTask } from './experiments/tasks/user-task.js';
export { TaskError } from './experiments/tasks/user-task-data.js';
export type {
  FunctionModel,
  LayersModelLike,
  LossName,
  UserData,
  UserLoss,
  UserMetric,
  UserModel,
  UserSplit,
  UserTaskSpec,
} from './experiments/tasks/user-task-spec.js';
export { DEFAULT_TUNE_METHODS, type TuneOptions, type TuneTarget, tune } from './tune/tune.js';
export {
  formatTuneResult,
  type TuneComparison,
  type TunedMethod,
  type TuneResult,
} from './tune/tune-result.js';
