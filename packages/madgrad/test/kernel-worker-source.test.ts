import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createWasmKernels } from '../src/index.js';
import { KernelMemory } from '../src/kernels/kernel-memory.js';
import { NODE_WORKER_SOURCE } from '../src/kernels/thread-pool.js';

/** The names a CommonJS wrapper binds around a script; Bun's and Deno's eval workers bind them. */
const WRAPPER_NAMES = ['exports', 'require', 'module', '__filename', '__dirname'];

describe('the kernel worker program', () => {
  it('compiles inside a scope that already binds module, exports and require (Bun, Deno)', () => {
    assert.doesNotThrow(() => new Function(...WRAPPER_NAMES, NODE_WORKER_SOURCE));
  });

  it('starts and stops in a worker whose scope already binds module', async () => {
    const memory = new KernelMemory();
    const control = new SharedArrayBuffer(1024 + 6 * 8);
    const I = new Int32Array(control);
    const wrapped = `(function (${WRAPPER_NAMES.join(', ')}) {\n${NODE_WORKER_SOURCE}\n})({}, require, {}, '', '');`;
    const worker = new Worker(wrapped, {
      eval: true,
      workerData: { module: memory.module, memory: memory.memory, control, index: 0 },
    });
    const failed = new Promise<never>((_, reject) => worker.once('error', reject));
    const started = (async () => {
      while (Atomics.load(I, 16) !== 1) await new Promise((r) => setTimeout(r, 2));
    })();
    await Promise.race([started, failed]);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    I[3] = -1; // the stop job
    Atomics.add(I, 0, 1);
    Atomics.notify(I, 0);
    assert.equal(await exited, 0);
  });

  it('starts every worker thread it is asked for', async () => {
    const kernels = createWasmKernels({ threads: 3 });
    await kernels.ready();
    assert.equal(kernels.threads, 3);
    kernels.close();
  });
});
