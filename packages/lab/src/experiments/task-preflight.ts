import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './data/rng.js';
import type { Task } from './tasks/index.js';
import type { TaskSize } from './tasks/task.js';
import { sizeProblems } from './tasks/task-problems.js';
import type { TfModel } from './tasks/tf-model.js';
import { messageOf, TaskError } from './tasks/user-task-data.js';

/** The value of `fn`; an exception it throws becomes a `TaskError` of the task. */
function attempt<T>(task: Task, doing: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asTaskError(task, doing, e);
  }
}

/** An exception as a `TaskError` of the task, with what was being done. */
function asTaskError(task: Task, doing: string, e: unknown): TaskError {
  return e instanceof TaskError
    ? e
    : new TaskError(`task "${task.name}": ${doing}: ${messageOf(e)}`);
}

/**
 * Checks a task before any run, so that a broken task stops with one line rather than a failed
 * run per point: its data loads, its sizes fit it and a model builds. A core task's model then
 * gives a gradient and its metrics; a tfjs task's loss of a training batch reaches every trained
 * variable, each split evaluates to numbers, and a second model built with the same seed starts
 * from the same weights. A non-finite loss is not an error here: runs record it as diverged.
 * Throws `TaskError`.
 */
export async function preflightTask(task: Task, size: TaskSize): Promise<void> {
  await task.prepare?.();
  const problems = sizeProblems(task);
  if (problems.length > 0) throw new TaskError(problems.join('\n'));
  const data = attempt(task, 'data(size) threw', () => task.data(size));
  const batch = Array.from({ length: Math.min(size.batchSize, size.train) }, (_, i) => i);
  if (task.engine === 'core') {
    const model = attempt(task, 'model(data, size, 0) threw', () => task.model(data, size, 0));
    attempt(task, 'gradient(batch) threw', () => model.gradient(batch));
    attempt(task, 'evaluate() threw', () => model.evaluate());
    return;
  }
  const build = () => attempt(task, 'model(data, size, 0) threw', () => task.model(data, size, 0));
  const model = build();
  const initial = model.variables.map((v) => v.dataSync().slice());
  try {
    tf.tidy(() => {
      let grads: tf.NamedTensorMap;
      try {
        ({ grads } = tf.variableGrads(() => model.loss(batch, new Rng(1)), [...model.variables]));
      } catch (e) {
        if (/connection between any variable/.test(messageOf(e))) {
          throw new TaskError(
            `task "${task.name}": the loss does not depend on the model's variables (the optimizer cannot see them)`,
          );
        }
        throw asTaskError(task, 'the loss of a training batch cannot be computed', e);
      }
      const unseen = model.variables.find((v) => grads[v.name] === undefined);
      if (unseen) {
        throw new TaskError(
          `task "${task.name}": the loss does not depend on variable "${unseen.name}" (the optimizer cannot train it)`,
        );
      }
    });
    for (const split of ['val', 'test'] as const) {
      try {
        tf.tidy(() => model.evaluate(split));
      } catch (e) {
        throw asTaskError(task, `the ${split} split cannot be evaluated`, e);
      }
    }
  } finally {
    disposeModel(model);
  }
  // Built after the first is disposed, so that a model naming its variables can be built again.
  checkSeeded(task, initial, build());
}

function disposeModel(model: TfModel): void {
  for (const v of [...model.variables, ...(model.state ?? [])]) v.dispose();
}

/**
 * Refuses a model whose initial weights differ between two builds with the same seed: its runs
 * could not be resumed or spread over processes with the same results.
 */
function checkSeeded(task: Task, initial: readonly tf.TypedArray[], again: TfModel): void {
  try {
    const differs = again.variables.findIndex((v, i) => {
      const values = v.dataSync();
      const before = initial[i];
      return (
        !before ||
        before.length !== values.length ||
        values.some((x, j) => !Object.is(x, before[j]))
      );
    });
    if (differs >= 0 || again.variables.length !== initial.length) {
      const which =
        differs >= 0
          ? `variable ${differs}, "${again.variables[differs]!.name}"`
          : 'the number of variables';
      throw new TaskError(
        `task "${task.name}": two models built with seed 0 start from different weights (${which}): seed every initialiser from the seed (tfjs takes a seed of 0 as none: pass seed + 1)`,
      );
    }
  } finally {
    disposeModel(again);
  }
}
