import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';

/**
 * A complete `ok` run for `spec` as a worker returns it and the store keeps it, written by hand:
 * one record per planned epoch, losses falling from 0.9 to 0.5, `final` the last epoch. Nothing
 * is trained.
 */
export function storedRunFor(spec: RunSpec, patch: Record<string, unknown> = {}): StoredRun {
  const n = spec.size.epochs;
  const losses = (x: number) => ({ train_loss: x, val_loss: x, test_loss: x });
  const epochs = Array.from({ length: n }, (_, i) => ({
    epoch: i + 1,
    ...losses(n === 1 ? 0.5 : 0.9 - (0.4 * i) / (n - 1)),
  }));
  const { epoch: _last, ...final } = epochs[n - 1]!;
  return {
    id: spec.id,
    task: spec.task,
    method: spec.method,
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    size: spec.size,
    backend: 'core',
    epochs,
    final,
    status: 'ok',
    seconds: 0.1,
    ...patch,
  } as StoredRun;
}
