import { type BackendName, useBackend } from './backend.js';
import { type RunSpec, type StoredRun, storedRun } from './run-record.js';
import { taskDefinition } from './tasks/index.js';
import type { EpochMetrics } from './tasks/task.js';
import { type TaskOutcome, trainRun } from './training.js';

/**
 * Trains one run and returns its record (after the task's `prepare`, where it has one). Never
 * throws for a training problem, or a task's: a non-finite loss
 * is `diverged`, an exception is `failed` with its message (a NaN caught by the core's gradient
 * validation counts as diverged).
 */
export async function executeRun(
  spec: RunSpec,
  backend: BackendName,
  hooks: {
    onStep?: (step: number, total: number) => void;
    onEpoch?: (m: EpochMetrics) => void;
  } = {},
): Promise<StoredRun> {
  const started = performance.now();
  const task = taskDefinition(spec.task);
  let outcome: TaskOutcome;
  const epochs: EpochMetrics[] = [];
  try {
    if (task.engine === 'tfjs') await useBackend(backend);
    await task.prepare?.();
    outcome = await trainRun(task, {
      method: spec.method,
      hyperparameters: spec.hyperparameters,
      seed: spec.seed,
      size: spec.size,
      ...(spec.schedule ? { schedule: spec.schedule } : {}),
      ...(hooks.onStep ? { onStep: hooks.onStep } : {}),
      onEpoch: (m) => {
        epochs.push(m);
        hooks.onEpoch?.(m);
      },
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const nonFinite = /NaN|Infinity/.test(message) && /gradient/.test(message);
    outcome = { epochs, status: nonFinite ? 'diverged' : 'failed', error: message };
  }
  const seconds = Math.round((performance.now() - started) / 10) / 100;
  return storedRun(spec, backend, { ...outcome, seconds });
}
