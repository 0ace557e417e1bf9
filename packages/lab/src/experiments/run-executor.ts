import type { RunSpec, StoredRun } from './run-record.js';

/** What an executor reports while runs execute. */
export interface RunHooks {
  /** A run finished (ok, diverged or failed); called once per run. */
  onResult(record: StoredRun): void;
  /** A run reached `step` of `total` optimizer steps. */
  onProgress?(id: string, step: number, total: number): void;
}

/**
 * Where runs execute: the local process pool (`runInPool`) unless the runner is given another,
 * such as a shared queue. It resolves once every spec has reported a result.
 */
export type RunExecutor = (specs: readonly RunSpec[], hooks: RunHooks) => Promise<void>;
