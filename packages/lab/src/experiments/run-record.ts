import type { BackendName } from './backend.js';
import type { Hyperparameters, MethodName } from './methods.js';
import { isTask, type TaskName, taskDefinition } from './tasks/index.js';
import type { ScheduleSpec } from './tasks/schedules.js';
import type { EpochMetrics, TaskSize } from './tasks/task.js';

export type RunStatus = 'ok' | 'diverged' | 'failed';

/** One planned run: everything needed to train it, and its identity for resuming. */
export interface RunSpec {
  readonly id: string;
  readonly task: TaskName;
  readonly method: MethodName;
  readonly hyperparameters: Hyperparameters;
  readonly seed: number;
  readonly size: TaskSize;
  /** A schedule replacing the task's own (absent: the task's schedule). */
  readonly schedule?: ScheduleSpec;
}

/** A finished run, as listed in results.json. */
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
  schedule?: ScheduleSpec,
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

/** What trained a run: the tfjs backend, or `core` for tasks on the core engine. */
export function backendOf(spec: RunSpec, backend: BackendName): string {
  return isTask(spec.task) && taskDefinition(spec.task).engine === 'core' ? 'core' : backend;
}

/** How a run ended, as the stored record keeps it. */
export interface RunOutcome {
  readonly epochs: EpochMetrics[];
  readonly status: RunStatus;
  /** Absent or empty: the record has no error. */
  readonly error?: string;
  readonly seconds: number;
}

/**
 * The one way a stored run is built: trained here, its process died, or a queue worker's result
 * (and failures) on the coordinator's spec. `final` is the last epoch's metrics; the backend is
 * `core` for tasks on the core engine.
 */
export function storedRun(spec: RunSpec, backend: BackendName, outcome: RunOutcome): StoredRun {
  return {
    id: spec.id,
    task: spec.task,
    method: spec.method,
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    size: spec.size,
    backend: backendOf(spec, backend),
    epochs: outcome.epochs,
    final: finalMetrics(outcome.epochs),
    status: outcome.status,
    seconds: outcome.seconds,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}
