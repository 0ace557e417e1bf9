import type { BackendName } from './backend.js';
import type { RunExecutor } from './run-executor.js';
import { executeRun } from './run-task.js';

/**
 * Runs specs one after another in this process: for a task given as an object rather than a
 * module that child processes could import.
 */
export function inProcessExecutor(backend: BackendName): RunExecutor {
  return async (specs, hooks) => {
    for (const spec of specs) {
      const record = await executeRun(spec, backend, {
        onStep: (step, total) => hooks.onProgress?.(spec.id, step, total),
      });
      hooks.onResult(record);
    }
  };
}
