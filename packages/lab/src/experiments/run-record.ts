import type { Hyperparameters, MethodName } from './methods.js';
import type { Schedule } from './schedules.js';
import type { EpochMetrics, RunStatus, TaskName, TaskSize } from './tasks/task.js';

/** One planned run: everything needed to train it, and its identity for resuming. */
export interface RunSpec {
  readonly id: string;
  readonly task: TaskName;
  readonly method: MethodName;
  readonly hyperparameters: Hyperparameters;
  readonly seed: number;
  readonly size: TaskSize;
  /** A schedule replacing the task's own (absent: the task's schedule). */
  readonly schedule?: Schedule;
}

/** A finished run, as stored and as listed in results.json (the schema). */
export interface RunRecord {
  readonly task: TaskName;
  readonly method: MethodName;
  readonly hyperparameters: Hyperparameters;
  readonly seed: number;
  readonly epochs: EpochMetrics[];
  readonly final: Record<string, number>;
  readonly status: RunStatus;
  readonly seconds: number;
}

/** The stored form: the record plus its spec id, size and backend (for resuming and auditing). */
export interface StoredRun extends RunRecord {
  readonly id: string;
  readonly size: TaskSize;
  readonly backend: string;
  readonly error?: string;
}

/** A stable identity: the same task, method, hyperparameters, seed and size give the same id. */
export function runId(
  task: TaskName,
  method: MethodName,
  hp: Hyperparameters,
  seed: number,
  size: TaskSize,
  schedule?: Schedule,
): string {
  const s = size;
  const sizeKey = `n${s.train}-${s.val}-${s.test}_e${s.epochs}_b${s.batchSize}_w${s.width}`;
  const mom = hp.momentum === undefined ? '' : `_m${hp.momentum}`;
  const sched = schedule ? `__sched-${Object.values(schedule).join('-')}` : '';
  return `${task}__${method}__lr${hp.lr.toExponential(4)}_wd${hp.weightDecay}${mom}__seed${seed}__${sizeKey}${sched}`;
}

/** The last epoch's metrics (without the epoch number): a run's final metrics. */
export function finalMetrics(epochs: readonly EpochMetrics[]): Record<string, number> {
  const last = epochs.at(-1);
  if (!last) return {};
  const { epoch: _epoch, ...rest } = last;
  return rest;
}
