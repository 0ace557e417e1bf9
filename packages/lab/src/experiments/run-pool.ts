import { type ChildProcess, fork } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from './backend.js';
import type { RunHooks } from './run-executor.js';
import { type RunSpec, type StoredRun, storedRun } from './run-record.js';
import type { TaskModuleRef } from './task-module-ref.js';

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; id: string; step: number; total: number }
  | { type: 'done'; record: StoredRun };

/**
 * The worker script next to this file: worker.ts under tsx, worker.js once compiled. A file path,
 * not a URL's pathname (which would percent-encode a space in the checkout's path).
 */
function workerPath(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), `worker${extname(here)}`);
}

/**
 * Runs specs in parallel on `jobs` long-lived child processes (each its own tfjs engine and
 * memory, so runs cannot disturb each other and a crash loses only the run in flight, which is
 * recorded as failed). A child imports the `modules` of tasks that are not built in (checking
 * their hashes) before it trains their runs. Node's child_process is enough here: the work items are coarse (seconds
 * each) and isolation matters more than message latency.
 */
export async function runInPool(
  specs: readonly RunSpec[],
  jobs: number,
  backend: BackendName,
  hooks: RunHooks,
  modules?: Readonly<Record<string, TaskModuleRef>>,
): Promise<void> {
  const queue = [...specs];
  const children = new Set<ChildProcess>();
  const workerCount = Math.max(1, Math.min(jobs, queue.length));
  const stopAll = () => {
    for (const c of children) c.kill();
  };
  process.once('exit', stopAll);
  try {
    await Promise.all(
      Array.from({ length: workerCount }, () => worker(queue, backend, hooks, children, modules)),
    );
  } finally {
    process.removeListener('exit', stopAll);
    stopAll();
  }
}

async function worker(
  queue: RunSpec[],
  backend: BackendName,
  hooks: RunHooks,
  children: Set<ChildProcess>,
  modules: Readonly<Record<string, TaskModuleRef>> | undefined,
): Promise<void> {
  let child: ChildProcess | null = null;
  while (queue.length > 0) {
    const spec = queue.shift()!;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      child = fork(workerPath(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      children.add(child);
    }
    const current = child;
    const record = await new Promise<StoredRun>((resolve) => {
      let stderr = '';
      current.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'progress' && m.id === spec.id) hooks.onProgress?.(m.id, m.step, m.total);
        if (m.type === 'done' && m.record.id === spec.id) finish(m.record);
      };
      const onExit = (code: number | null, signal: string | null) => {
        finish(
          storedRun(spec, backend, {
            epochs: [],
            status: 'failed',
            seconds: 0,
            error: `worker exited (code ${code}, signal ${signal}): ${stderr.split('\n').slice(-5).join(' ').slice(-500)}`,
          }),
        );
      };
      const finish = (r: StoredRun) => {
        current.off('message', onMessage);
        current.off('exit', onExit);
        current.stderr?.removeAllListeners('data');
        resolve(r);
      };
      current.on('message', onMessage);
      current.on('exit', onExit);
      current.send({ type: 'run', spec, backend, ...(modules ? { modules } : {}) });
    });
    hooks.onResult(record);
  }
  if (child) {
    // A child that died with the last run is already disconnected.
    if (child.connected) child.disconnect();
    children.delete(child);
  }
}
