import type { TaskDefinition } from './task.js';
import { sizeProblems, taskProblems } from './task-problems.js';
import { taskOfSpec, type UserTask } from './user-task.js';
import { TaskError } from './user-task-data.js';
import type { UserTaskSpec } from './user-task-spec.js';

/** The tasks `defineTask` returned (so that a module may export a spec or a defined task). */
const defined = new WeakSet<object>();

/** A value that `defineTask` returned. */
export function isDefinedTask(value: unknown): value is TaskDefinition {
  return typeof value === 'object' && value !== null && defined.has(value);
}

/** The full form names its engine; the simple form has none. */
function isFullForm(value: UserTaskSpec | TaskDefinition): value is TaskDefinition {
  return typeof value === 'object' && value !== null && 'engine' in value;
}

/** A task in its full form, checked: its fields, and its sizes unless its data loads later. */
function checkedFullForm<T extends TaskDefinition>(task: T): T {
  const problems = taskProblems(task);
  // A task with `prepare` knows its sizes once its data has loaded: `preflightTask` checks them.
  if (problems.length === 0 && task.prepare === undefined) problems.push(...sizeProblems(task));
  if (problems.length > 0) throw new TaskError(problems.join('\n'));
  return task;
}

/**
 * Checks a task and returns it as the lab runs it. Both forms of a task pass through here, the
 * lab's built-in tasks included:
 * - the simple form (`UserTaskSpec`): data splits, a model built from a seed, a loss and a
 *   metric; the lab trains on every example of the training split and evaluates whole splits;
 * - the full form (`TfjsTask`, `CoreTask`, told apart by `engine`): sizes under every preset, a
 *   schedule, and a model that computes its own loss on a batch and its own metrics.
 *
 * Throws `TaskError` with every mistake, one line each, naming the field.
 */
export function defineTask(spec: UserTaskSpec): UserTask;
export function defineTask<T extends TaskDefinition>(task: T): T;
export function defineTask(value: UserTaskSpec | TaskDefinition): TaskDefinition;
export function defineTask(value: UserTaskSpec | TaskDefinition): TaskDefinition {
  if (isDefinedTask(value)) return value;
  const task = isFullForm(value) ? checkedFullForm(value) : taskOfSpec(value);
  defined.add(task);
  return task;
}
