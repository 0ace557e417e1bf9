import { digitsTask } from './digits.js';
import { g2pTask } from './g2p.js';
import { kspaceTask } from './kspace.js';
import { mlmTask } from './mlm.js';
import { sparseTask } from './sparse.js';
import type { Task, TaskName } from './task.js';

export const TASK_REGISTRY: Readonly<Record<TaskName, Task>> = {
  digits: digitsTask,
  kspace: kspaceTask,
  g2p: g2pTask,
  mlm: mlmTask,
  sparse: sparseTask,
};
