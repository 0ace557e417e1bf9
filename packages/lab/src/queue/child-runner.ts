import { type ChildProcess, fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../experiments/backend.js';
import type { RunSpec, StoredRun } from '../experiments/run-record.js';
import type { TaskModuleRef } from '../experiments/task-module-ref.js';
import { QUEUE_PASSWORD_ENV } from './queue-url.js';

type ChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; id: string; step: number; total: number }
  | { type: 'done'; record: StoredRun };

/** The run pool's child script (experiments/worker.ts under tsx, worker.js once compiled). */
function childScript(): string {
  const ext = extname(fileURLToPath(import.meta.url));
  return fileURLToPath(new URL(`../experiments/worker${ext}`, import.meta.url));
}

/**
 * One long-lived child process that trains runs one at a time: the local pool's own child
 * script, so a run trains by the same code on the queue as locally, and a crash (or a kill when
 * the run is handed back) loses only the run in flight. The child never sees the queue password.
 */
export class ChildRunner {
  private child: ChildProcess | null = null;

  private spawn(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      return this.child;
    const env = { ...process.env };
    delete env[QUEUE_PASSWORD_ENV];
    this.child = fork(childScript(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
    return this.child;
  }

  /**
   * Trains a run (the child imports the `modules` of tasks that are not built in); rejects when the
   * child dies before reporting (with the tail of its stderr).
   */
  run(
    spec: RunSpec,
    backend: BackendName,
    onProgress: (step: number, total: number) => void,
    modules?: Readonly<Record<string, TaskModuleRef>>,
  ): Promise<StoredRun> {
    const child = this.spawn();
    return new Promise<StoredRun>((resolve, reject) => {
      let stderr = '';
      const onData = (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      };
      const onMessage = (m: ChildMessage) => {
        if (m.type === 'progress' && m.id === spec.id) onProgress(m.step, m.total);
        if (m.type === 'done' && m.record.id === spec.id) {
          cleanup();
          resolve(m.record);
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        const tail = stderr.split('\n').slice(-5).join(' ').slice(-500);
        reject(new Error(`worker process exited (code ${code}, signal ${signal}): ${tail}`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.stderr?.off('data', onData);
      };
      child.stderr?.on('data', onData);
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ type: 'run', spec, backend, ...(modules ? { modules } : {}) });
    });
  }

  /** Kills the child (the run in flight, if any, rejects). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  /** Lets an idle child exit. */
  close(): void {
    if (this.child?.connected) this.child.disconnect();
    this.child = null;
  }
}
