// Runs in a browser page (bundled by page-bundle.ts): in the window it starts itself as a module
// Web Worker; in that worker it steps MADGRAD with the WebAssembly kernels on one thread and on
// two (the threaded kernels need a cross-origin-isolated page and a worker, which may block),
// and posts what happened. The window exposes the answer as `madgradWorkerThreads`.
import { createWasmKernels, Madgrad } from 'madgrad';

export interface WorkerThreadsAnswer {
  readonly isolated: boolean;
  /** Threads the two-thread kernels ran on (1: no worker threads started). */
  readonly threads: number;
  /** Whether both runs gave the same bits. */
  readonly same: boolean;
  readonly error?: string;
}

interface Globals {
  WorkerGlobalScope?: unknown;
  crossOriginIsolated?: boolean;
  Worker: new (
    url: string,
    options: { type: 'module' },
  ) => {
    onmessage: ((e: { data: WorkerThreadsAnswer }) => void) | null;
    onerror: ((e: { message: string }) => void) | null;
  };
  postMessage(data: WorkerThreadsAnswer): void;
  madgradWorkerThreads?: Promise<WorkerThreadsAnswer>;
}
const g = globalThis as unknown as Globals;

async function stepBoth(): Promise<WorkerThreadsAnswer> {
  const n = 1 << 18;
  const run = async (threads: number) => {
    const kernels = createWasmKernels({ threads, minParallel: 1024 });
    await kernels.ready();
    const value = kernels.allocate(n);
    const grad = kernels.allocate(n);
    for (let i = 0; i < n; i++) {
      value[i] = Math.sin(i);
      grad[i] = Math.cos(i) * 0.01;
    }
    const opt = new Madgrad([{ name: 'w', shape: [n], value }], { kernels });
    for (let k = 0; k < 3; k++) opt.step({ w: grad });
    const out = new Uint32Array(Float32Array.from(value).buffer);
    const used = kernels.threads;
    kernels.close();
    return { out, used };
  };
  const one = await run(1);
  const two = await run(2);
  return {
    isolated: g.crossOriginIsolated === true,
    threads: two.used,
    same: one.out.every((b, i) => b === two.out[i]),
  };
}

if (g.WorkerGlobalScope === undefined) {
  g.madgradWorkerThreads = new Promise((resolve, reject) => {
    const worker = new g.Worker('./main.js', { type: 'module' });
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(e.message));
  });
} else {
  stepBoth().then(
    (answer) => g.postMessage(answer),
    (e: unknown) => g.postMessage({ isolated: false, threads: 0, same: false, error: String(e) }),
  );
}
