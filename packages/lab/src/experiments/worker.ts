/**
 * A child process of the run pool: receives run specs over IPC, trains them one at a time on its
 * own tfjs instance, reports progress and the finished record.
 */
import type { BackendName } from './backend.js';
import type { RunSpec } from './run-record.js';
import { executeRun } from './run-task.js';

interface RunMessage {
  readonly type: 'run';
  readonly spec: RunSpec;
  readonly backend: BackendName;
}

if (!process.send) throw new Error('worker.ts runs as a child process of the run pool');

process.on('message', (message: RunMessage) => {
  if (message?.type !== 'run') return;
  let lastSent = 0;
  void executeRun(message.spec, message.backend, {
    onStep: (step, total) => {
      const now = Date.now();
      if (now - lastSent > 250 || step === total) {
        lastSent = now;
        process.send!({ type: 'progress', id: message.spec.id, step, total });
      }
    },
  }).then((record) => process.send!({ type: 'done', record }));
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
