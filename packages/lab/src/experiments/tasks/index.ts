import { digitsTask } from './digits.js';
import { TASK_NAME_PATTERN } from './field-checks.js';
import { g2pTask } from './g2p.js';
import { kspaceTask } from './kspace.js';
import { mlmTask } from './mlm.js';
import { sparseTask } from './sparse.js';
import type { TaskDefinition } from './task.js';

/**
 * Every built-in task, in the order of the report's columns: a new task adds one line here.
 *
 * Each names the centre of every reproduction method's sweep (`lrCentres`): the usual learning
 * rate of the method on that problem. Where the first quick sweep (a 5-point grid, before the
 * protocol grew grids past a winning edge) chose the top of its grid, the centre was moved up once
 * (×2); where the second one still chose the top after growing twice (×16 the centre), it was
 * moved up ×4 again.
 */
const DEFINITIONS = {
  digits: digitsTask,
  kspace: kspaceTask,
  g2p: g2pTask,
  mlm: mlmTask,
  sparse: sparseTask,
};

/** One of the lab's five built-in tasks (the tables of centres and sizes are typed by these). */
export type BuiltinTaskName = keyof typeof DEFINITIONS;
/** A task's name: a built-in task's, or that of a task registered at run time (`registerTask`). */
export type TaskName = BuiltinTaskName | (string & {});
export type Task = TaskDefinition<TaskName>;

/** The built-in tasks by name. */
export const TASK_REGISTRY: Readonly<Record<BuiltinTaskName, Task>> = DEFINITIONS;
/** The built-in tasks' names. */
export const TASKS = Object.keys(DEFINITIONS) as readonly BuiltinTaskName[];

/** The tasks registered at run time (a user's tasks), by name. */
const registered = new Map<string, Task>();

export function isBuiltinTask(name: string): name is BuiltinTaskName {
  return Object.hasOwn(DEFINITIONS, name);
}

/** A built-in task or one registered in this process. */
export function isTask(name: string): name is TaskName {
  return isBuiltinTask(name) || registered.has(name);
}

/**
 * Makes a task runnable by name in this process (the protocol, the run store, the report).
 * Registering a name again replaces its task; a built-in task's name is refused.
 */
export function registerTask(task: Task): void {
  if (!TASK_NAME_PATTERN.test(task.name)) {
    throw new Error(
      `task name ${JSON.stringify(String(task.name)).slice(0, 60)} must be a lowercase letter, then up to 39 lowercase letters, digits, - or _`,
    );
  }
  if (isBuiltinTask(task.name)) {
    throw new Error(`task name "${task.name}" is a built-in task's: choose another name`);
  }
  registered.set(task.name, task);
}

/** The task of a name, built-in or registered; throws a one-line error for an unknown name. */
export function taskDefinition(name: TaskName): Task {
  const task = isBuiltinTask(name) ? DEFINITIONS[name] : registered.get(name);
  if (!task) {
    const known = [...TASKS, ...registered.keys()].join(', ');
    throw new Error(
      `unknown task ${JSON.stringify(String(name)).slice(0, 60)} (known: ${known}; a user's task is registered by importing its module)`,
    );
  }
  return task;
}
