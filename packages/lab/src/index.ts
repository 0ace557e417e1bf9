/**
 * madgrad-lab as a library: define a task of your own (`defineTask`) and run the MADGRAD paper's
 * protocol on it (`tune`), as `madgrad-lab tune ./my-task.mjs` does from the command line.
 */
export type { BackendName } from './experiments/backend.js';
export type { MainMethodName } from './experiments/methods.js';
export type { PresetName } from './experiments/presets.js';
export type { Estimate } from './experiments/report/summary.js';
export type { TaskModuleRef } from './experiments/task-module-ref.js';
export { defineTask, type UserTask } from './experiments/tasks/user-task.js';
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
