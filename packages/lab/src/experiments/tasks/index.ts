import { digitsTask } from './digits.js';
import { g2pTask } from './g2p.js';
import { kspaceTask } from './kspace.js';
import { mlmTask } from './mlm.js';
import { sparseTask } from './sparse.js';
import type { TaskDefinition } from './task.js';

/** Every task, in the order of the report's columns: a new task adds one line here. */
const DEFINITIONS = {
  digits: digitsTask,
  kspace: kspaceTask,
  g2p: g2pTask,
  mlm: mlmTask,
  sparse: sparseTask,
};

export type TaskName = keyof typeof DEFINITIONS;
export type Task = TaskDefinition<TaskName>;

export const TASK_REGISTRY: Readonly<Record<TaskName, Task>> = DEFINITIONS;
export const TASKS = Object.keys(DEFINITIONS) as readonly TaskName[];

export function isTask(name: string): name is TaskName {
  return Object.hasOwn(DEFINITIONS, name);
}
