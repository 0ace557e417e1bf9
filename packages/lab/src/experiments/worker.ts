/**
 * A child process of the run pool: receives run specs over IPC, trains them one at a time on its
 * own tfjs instance, reports progress and the finished record.
 */
import type { BackendName } from './backend.js';
import { type RunSpec, type StoredRun, storedRun } from './run-record.js';
import { executeRun } from './run-task.js';
import { ensureTaskModules, type TaskModuleRef } from './task-module-ref.js';

interface RunMessage {
  readonly type: 'run';
  readonly spec: RunSpec;
  readonly backend: BackendName;
  /** The modules of the tasks that are not built in (imported and registered before the run). */
  readonly modules?: Readonly<Record<string, TaskModuleRef>>;
}

/** The run, after its task's module is registered; a module that cannot be used fails the run. */
async function run(
  message: RunMessage,
  onStep: (step: number, total: number) => void,
): Promise<StoredRun> {
  try {
    await ensureTaskModules(message.modules);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return storedRun(message.spec, message.backend, {
      epochs: [],
      status: 'failed',
      seconds: 0,
      error,
    });
  }
  return executeRun(message.spec, message.backend, { onStep });
}

if (!process.send) throw new Error('worker.ts runs as a child process of the run pool');

process.on('message', (message: RunMessage) => {
  if (message?.type !== 'run') return;
  let lastSent = 0;
  void run(message, (step, total) => {
    const now = Date.now();
    if (now - lastSent > 250 || step === total) {
      lastSent = now;
      process.send!({ type: 'progress', id: message.spec.id, step, total });
    }
  }).then((record) => process.send!({ type: 'done', record }));
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
