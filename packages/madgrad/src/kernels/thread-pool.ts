import type { Worker as NodeWorker } from 'node:worker_threads';
import { KernelThreadError } from '../maths/errors.js';
import type { KernelMemory } from './kernel-memory.js';

/**
 * Worker threads that run kernel slices over the shared kernel memory, driven synchronously.
 *
 * Node's worker_threads (taken from `process.getBuiltinModule`, so importing this file is
 * harmless in a browser), or Web Workers inside a Web Worker of a cross-origin-isolated page;
 * elsewhere `ThreadPool.create` returns null. The calling thread writes a
 * job into a small SharedArrayBuffer, wakes the workers with Atomics.notify, runs slice 0
 * chunks itself, then blocks in Atomics.wait until every woken worker has counted itself done;
 * so `step()` stays synchronous. Every thread takes chunks from a shared counter until none is
 * left, so a worker that the OS runs late (on a machine busy with other work) costs little: the others take
 * its chunks. Chunks are whole multiples of 16 floats (64-byte lines) and every element goes
 * through the same vector code, so results do not depend on the thread count or on who ran what.
 * Workers start in the background; until one reports ready, work runs on fewer threads.
 */

/** Layout of the control block (Int32 indices). */
const GEN = 0; // job generation, bumped per job
const DONE = 1; // workers done with the current job
const FAILED = 2; // a worker caught an exception
const KIND = 3; // 0 madgrad, 1 mirror, -1 exit
const N = 4;
const CHUNK = 5; // elements per chunk
const NEXT = 7; // first element not yet taken
const DECOUPLE = 6;
const PTR = 8; // 5 pointers: p, g, v, s|z, x0
const READY = 16; // one flag per worker
const JOIN = 64; // per worker: 1 when woken for the current job
const SCALARS = 128; // Float64 index (byte 1024): 6 scalars
const CONTROL_BYTES = 1024 + 6 * 8;
const MAX_WORKERS = 47;
/** Chunks are multiples of this many floats (a 64-byte line). */
const GRAIN = 16;
const MIN_CHUNK = 16384;

/** Elements per chunk for `n` elements on `threads` threads: about 8 chunks per thread. */
export function chunkSize(n: number, threads: number): number {
  const target = Math.ceil(n / (threads * 8) / GRAIN) * GRAIN;
  return Math.max(MIN_CHUNK, target);
}

/** A worker's loop, given `wasmModule`, `memory`, `control` and `index`. */
const WORKER_LOOP = `
const k = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
const I = new Int32Array(control);
const F = new Float64Array(control, ${SCALARS * 8}, 6);
let seen = Atomics.load(I, ${GEN});
Atomics.store(I, ${READY} + index, 1);
for (;;) {
  Atomics.wait(I, ${GEN}, seen);
  seen = Atomics.load(I, ${GEN});
  if (I[${KIND}] === -1) break;
  if (Atomics.load(I, ${JOIN} + index) !== 1) continue;
  try {
    const n = I[${N}], chunk = I[${CHUNK}];
    for (;;) {
      const lo = Atomics.add(I, ${NEXT}, chunk);
      if (lo >= n) break;
      const hi = Math.min(n, lo + chunk);
      if (I[${KIND}] === 0) {
        k.madgrad(I[${PTR}], I[${PTR + 1}], I[${PTR + 2}], I[${PTR + 3}], I[${PTR + 4}], lo, hi,
          F[0], F[1], F[2], F[3], F[4], I[${DECOUPLE}]);
      } else {
        k.mirror(I[${PTR}], I[${PTR + 1}], I[${PTR + 2}], I[${PTR + 3}], lo, hi,
          F[0], F[1], F[2], F[3], F[4], F[5], I[${DECOUPLE}]);
      }
    }
  } catch (e) {
    Atomics.store(I, ${FAILED}, 1);
  }
  Atomics.add(I, ${DONE}, 1);
  Atomics.notify(I, ${DONE});
}
`;

/**
 * A Node worker's whole program (CommonJS, run with `eval: true`, so no file path is needed).
 * Its names live in a function's scope: Bun and Deno already bind `module`, `exports` and
 * `require` around an eval'd worker, and a top-level `const module` there is a SyntaxError.
 */
export const NODE_WORKER_SOURCE = `
(function runKernelWorker(workerData) {
  const { module: wasmModule, memory, control, index } = workerData;
  ${WORKER_LOOP}
})(require('node:worker_threads').workerData);`;

/** A Web Worker's program: its first message carries what a Node worker gets as workerData. */
const WEB_WORKER_SOURCE = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { module: wasmModule, memory, control, index } = event.data;
  ${WORKER_LOOP}
};`;

/** What the pool needs of a worker, Node's or the browser's. */
interface PoolWorker {
  unref?(): void;
  terminate(): unknown;
}

/** Starts one worker on `workerData`. */
type StartWorker = (workerData: unknown) => PoolWorker;

type NodeWorkerConstructor = new (
  code: string,
  options: { eval: true; workerData: unknown },
) => NodeWorker;

/** `worker_threads.Worker` where the runtime is Node (20.16+), else null. */
function nodeWorkers(): StartWorker | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const load = proc?.getBuiltinModule;
  if (typeof load !== 'function') return null;
  const wt = load.call(proc, 'node:worker_threads') as
    | { Worker?: NodeWorkerConstructor }
    | undefined;
  const Worker = wt?.Worker;
  if (!Worker) return null;
  return (workerData) => new Worker(NODE_WORKER_SOURCE, { eval: true, workerData });
}

interface WebGlobals {
  Worker?: new (url: string) => { postMessage(data: unknown): void; terminate(): void };
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string };
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
}

/**
 * Web Workers where they can run the pool: inside a Web Worker (the page's main thread may not
 * block in Atomics.wait) of a cross-origin-isolated page (COOP/COEP headers: shared memory).
 * Elsewhere null, and the kernels run on the calling thread.
 */
function webWorkers(): StartWorker | null {
  const g = globalThis as WebGlobals;
  if (!g.Worker || !g.Blob || !g.URL || g.crossOriginIsolated !== true) return null;
  if (g.WorkerGlobalScope === undefined) return null;
  const url = g.URL.createObjectURL(new g.Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  const Worker = g.Worker;
  return (workerData) => {
    const w = new Worker(url);
    w.postMessage(workerData);
    return w;
  };
}

/** Hardware threads available to this process (1 where unknown). */
export function availableThreads(): number {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.call(proc, 'node:os') as
    | { availableParallelism?: () => number }
    | undefined;
  const n = os?.availableParallelism?.();
  if (typeof n === 'number' && n >= 1) return n;
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof hc === 'number' && hc >= 1 ? hc : 1;
}

/**
 * One step of the kernels, spread over the threads: `kind` 0 is MADGRAD (scalars: lamb,
 * momentum, eps, weightDecay, lrDecay), 1 is MirrorMADGRAD (stepSize, rescale, momentum, eps,
 * weightDecay, lrDecay).
 */
export interface KernelJob {
  readonly kind: 0 | 1;
  readonly pointers: readonly [number, number, number, number, number];
  readonly n: number;
  readonly scalars: readonly number[];
  readonly decouple: boolean;
}

export class ThreadPool {
  private readonly I: Int32Array;
  private readonly F: Float64Array;
  private readonly workers: PoolWorker[];

  private constructor(
    private readonly memory: KernelMemory,
    workers: number,
    start: StartWorker,
  ) {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.I = new Int32Array(control);
    this.F = new Float64Array(control, SCALARS * 8, 6);
    this.workers = Array.from({ length: workers }, (_, index) => {
      const w = start({ module: memory.module, memory: memory.memory, control, index });
      w.unref?.(); // idle Node workers never keep the process alive
      return w;
    });
  }

  /** A pool of `threads − 1` workers (the caller is the first thread), or null where impossible. */
  static create(memory: KernelMemory, threads: number): ThreadPool | null {
    if (threads <= 1 || !memory.shared) return null;
    const start = nodeWorkers() ?? webWorkers();
    if (start === null) return null;
    return new ThreadPool(memory, Math.min(threads - 1, MAX_WORKERS), start);
  }

  /** Workers that have started and wait for work. */
  get readyWorkers(): number {
    let n = 0;
    for (let i = 0; i < this.workers.length; i++) n += Atomics.load(this.I, READY + i);
    return n;
  }

  /** Resolves once every worker has started (they start in the background). */
  async ready(timeoutMs = 10000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.readyWorkers < this.workers.length) {
      if (Date.now() > until) throw new KernelThreadError('kernel worker threads did not start');
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Runs a job over every ready worker plus the calling thread and returns when all are done.
   * `runRange(lo, hi)` runs a chunk on the calling thread.
   */
  run(job: KernelJob, runRange: (lo: number, hi: number) => void): void {
    const I = this.I;
    let workers = 0;
    for (let i = 0; i < this.workers.length; i++) {
      const ready = Atomics.load(I, READY + i) === 1;
      Atomics.store(I, JOIN + i, ready ? 1 : 0);
      if (ready) workers++;
    }
    if (workers === 0) {
      runRange(0, job.n);
      return;
    }
    const chunk = chunkSize(job.n, workers + 1);
    I[KIND] = job.kind;
    I[N] = job.n;
    I[CHUNK] = chunk;
    I[DECOUPLE] = job.decouple ? 1 : 0;
    for (let i = 0; i < 5; i++) I[PTR + i] = job.pointers[i]!;
    for (let i = 0; i < job.scalars.length; i++) this.F[i] = job.scalars[i]!;
    Atomics.store(I, NEXT, 0);
    Atomics.store(I, DONE, 0);
    Atomics.store(I, FAILED, 0);
    Atomics.add(I, GEN, 1);
    Atomics.notify(I, GEN);
    for (;;) {
      const lo = Atomics.add(I, NEXT, chunk);
      if (lo >= job.n) break;
      runRange(lo, Math.min(job.n, lo + chunk));
    }
    for (;;) {
      const done = Atomics.load(I, DONE);
      if (done >= workers) break;
      Atomics.wait(I, DONE, done, 1000);
    }
    if (Atomics.load(I, FAILED) !== 0) throw new KernelThreadError('a kernel worker thread failed');
  }

  /** Stops the workers. */
  close(): void {
    this.I[KIND] = -1;
    Atomics.add(this.I, GEN, 1);
    Atomics.notify(this.I, GEN);
    for (const w of this.workers) void w.terminate();
  }
}
