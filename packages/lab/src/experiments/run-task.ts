import { type BackendName, useBackend } from './backend.js';
import { finalMetrics, type RunSpec, type StoredRun } from './run-record.js';
import { TASK_REGISTRY } from './tasks/index.js';
import type { EpochMetrics, TaskOutcome } from './tasks/task.js';

/**
 * Trains one run and returns its record. Never throws for a training problem: a non-finite loss
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
  let outcome: TaskOutcome;
  const epochs: EpochMetrics[] = [];
  try {
    if (spec.task !== 'sparse') await useBackend(backend);
    outcome = await TASK_REGISTRY[spec.task].run({
      method: spec.method,
      hyperparameters: spec.hyperparameters,
      seed: spec.seed,
      size: spec.size,
      schedule: spec.schedule,
      onStep: hooks.onStep,
      onEpoch: (m) => {
        epochs.push(m);
        hooks.onEpoch?.(m);
      },
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const nonFinite = /NaN|Infinity/.test(message) && /gradient/.test(message);
    outcome = nonFinite
      ? { epochs, status: 'diverged', error: message }
      : { epochs, status: 'failed', error: message };
  }
  const record: StoredRun = {
    id: spec.id,
    task: spec.task,
    method: spec.method,
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    size: spec.size,
    backend: spec.task === 'sparse' ? 'core' : backend,
    epochs: outcome.epochs,
    final: finalMetrics(outcome.epochs),
    status: outcome.status,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
  return record;
}
