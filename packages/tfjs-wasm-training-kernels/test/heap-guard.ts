/**
 * Runs one kernel on the wasm backend between sentinels and checks that it wrote nothing outside
 * its output. Sentinel tensors of a known byte pattern are allocated before and after the
 * kernel's inputs; while the kernel runs, every allocation made through `backend.makeOutput` (its
 * output, its intermediates, those of the backend kernels it calls) gets a guard band of the same
 * pattern on each side. Afterwards every sentinel, guard band and input must hold the bytes it
 * held before, the backend must hold exactly the data it held before (no leak, refused or not),
 * and a new allocation and an ordinary op must still work.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { kernelInputs, readOutput } from './helpers.js';

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

interface Backend {
  wasm: EmscriptenModule;
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: unknown,
  ): tf.TensorInfo;
  getMemoryOffset(dataId: tf.DataId): number;
  numDataIds(): number;
}

/** Bytes of guard band on each side of an allocation. */
const GUARD = 512;

const patternByte = (i: number) => (i * 167 + 0x5b) & 0xff;

function fillPattern(heap: Uint8Array, from: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) heap[from + i] = patternByte(i);
}

/** The first offset in [from, from + bytes) whose byte is not the pattern, or -1. */
function firstChanged(heap: Uint8Array, from: number, bytes: number): number {
  for (let i = 0; i < bytes; i++) if (heap[from + i] !== patternByte(i)) return i;
  return -1;
}

/** A guarded allocation: `raw` is what malloc returned, the tensor starts GUARD bytes later. */
interface Block {
  raw: number;
  bytes: number;
  shape: number[];
}

const blocks = new Map<number, Block>();
const violations: string[] = [];
let installedOn: Backend | undefined;

function heap(): Uint8Array {
  return installedOn!.wasm.HEAPU8;
}

function checkBlock(start: number, block: Block, when: string): void {
  const h = heap();
  const before = firstChanged(h, block.raw, GUARD);
  const after = firstChanged(h, start + block.bytes, GUARD);
  if (before >= 0 || after >= 0) {
    violations.push(
      `${when}: a write outside the allocation of shape [${block.shape}] (${block.bytes} bytes)` +
        (before >= 0 ? `, ${GUARD - before} bytes before it` : '') +
        (after >= 0 ? `, ${after} bytes after its end` : ''),
    );
  }
}

/**
 * Wraps the backend's `_free` (once) so that a guarded allocation is checked and freed from the
 * pointer malloc returned; allocations not made by {@link runBetweenSentinels} pass through.
 */
function install(backend: Backend): void {
  if (installedOn === backend) return;
  assert.equal(installedOn, undefined, 'one wasm backend per test process');
  installedOn = backend;
  // Emscripten's first call of `_free` replaces `_free` by the module's export: make that call
  // (freeing null does nothing) before wrapping, so the wrapper stays.
  backend.wasm._free(0);
  const free = backend.wasm._free.bind(backend.wasm);
  backend.wasm._free = (pointer: number) => {
    const block = blocks.get(pointer);
    if (block === undefined) return free(pointer);
    checkBlock(pointer, block, 'at free');
    blocks.delete(pointer);
    free(block.raw);
  };
}

function guardedMakeOutput(backend: Backend): Backend['makeOutput'] {
  const makeOutput = Object.getPrototypeOf(backend).makeOutput as Backend['makeOutput'];
  return (shape, dtype, memoryOffset, values) => {
    const bytes = tf.util.sizeFromShape(shape) * tf.util.bytesPerElement(dtype);
    // Memory allocated elsewhere, and sizes beyond the test's (to be refused), are not guarded.
    if (memoryOffset != null || values != null || !(bytes < 2 ** 28)) {
      return makeOutput.call(backend, shape, dtype, memoryOffset, values);
    }
    const raw = backend.wasm._malloc(bytes + 2 * GUARD) >>> 0;
    assert.notEqual(raw, 0, `the test could not allocate ${bytes} bytes`);
    const start = raw + GUARD;
    fillPattern(heap(), raw, GUARD);
    fillPattern(heap(), start + bytes, GUARD);
    blocks.set(start, { raw, bytes, shape: [...shape] });
    return makeOutput.call(backend, shape, dtype, start);
  };
}

/** A sentinel: an int32 tensor of `size` elements holding the pattern. */
function sentinel(size: number): tf.Tensor {
  const bytes = new Uint8Array(size * 4);
  fillPattern(bytes, 0, bytes.length);
  return tf.tensor(new Int32Array(bytes.buffer), [size], 'int32');
}

function bytesOf(backend: Backend, t: tf.Tensor): Uint8Array {
  const offset = backend.getMemoryOffset(t.dataId);
  return heap().slice(offset, offset + t.size * tf.util.bytesPerElement(t.dtype));
}

/** An input of a kernel call: values and shape (dtype float32 unless the values are int32). */
export interface Operand {
  values: Float32Array | Int32Array;
  shape: number[];
}

/** What the kernel did: its output (read back), or the error it threw. */
export type Outcome =
  | { output: { values: Float32Array | Int32Array; shape: number[] }; error?: undefined }
  | { output?: undefined; error: unknown };

/**
 * Runs kernel `name` on the wasm backend (which must be the active backend) with inputs made
 * from `inputs`, between sentinels of `sentinelSize` elements, and asserts that nothing outside
 * its output changed and that the backend still works. Returns what the kernel did.
 */
export function runBetweenSentinels(
  name: string,
  inputs: Record<string, Operand>,
  attrs: Record<string, unknown>,
  sentinelSize = 64,
): Outcome {
  assert.equal(tf.getBackend(), 'wasm');
  const backend = tf.backend() as unknown as Backend;
  install(backend);
  const held = backend.numDataIds();
  const before = sentinel(sentinelSize);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [key, v] of Object.entries(inputs)) {
    tensors[key] = tf.tensor(
      v.values,
      v.shape,
      v.values instanceof Int32Array ? 'int32' : 'float32',
    );
  }
  const after = sentinel(sentinelSize);
  const inputBytes = Object.values(tensors).map((t) => bytesOf(backend, t));
  const expected = bytesOf(backend, before);
  violations.length = 0;

  let outcome: Outcome;
  backend.makeOutput = guardedMakeOutput(backend);
  try {
    const out = tf.engine().runKernel(name, kernelInputs(tensors), attrs as tf.NamedAttrMap) as
      | tf.Tensor
      | tf.Tensor[];
    for (const t of [out].flat()) {
      const start = backend.getMemoryOffset(t.dataId);
      const block = blocks.get(start);
      if (block !== undefined) checkBlock(start, block, 'after the kernel');
    }
    outcome = { output: readOutput(out) };
    tf.dispose(out);
  } catch (error) {
    outcome = { error };
  } finally {
    delete (backend as Partial<Backend>).makeOutput;
  }

  const call = `${name} ${JSON.stringify(attrs)} on ${Object.entries(inputs)
    .map(([k, v]) => `${k} [${v.shape}]`)
    .join(', ')}`;
  assert.deepEqual(violations, [], call);
  assert.deepEqual(bytesOf(backend, before), expected, `the sentinel before the inputs: ${call}`);
  assert.deepEqual(bytesOf(backend, after), expected, `the sentinel after the inputs: ${call}`);
  Object.values(tensors).forEach((t, i) => {
    assert.deepEqual(bytesOf(backend, t), inputBytes[i], `input ${i} changed: ${call}`);
  });
  tf.dispose([before, after, ...Object.values(tensors)]);
  assert.equal(backend.numDataIds(), held, `data left on the backend: ${call}`);
  assertBackendWorks(call);
  return outcome;
}

/** A fresh allocation and an ordinary op give the right values. */
function assertBackendWorks(call: string): void {
  const sum = tf.tidy(() => tf.sum(tf.add(tf.range(0, 1000), tf.scalar(1))).dataSync()[0]);
  assert.equal(sum, 500500, `the backend is broken after ${call}`);
}
