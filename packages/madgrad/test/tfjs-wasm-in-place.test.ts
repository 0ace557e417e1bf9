import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { createWasmKernels, type StepKernels } from '../src/index.js';
import { createInPlaceKernels, type ScanningKernels } from '../src/kernels/in-place-kernels.js';
import { wasmBackendMemory } from '../src/tfjs/experimental.js';
import { madgrad, mirrorMadgrad, type TfjsOptimizerConfig } from '../src/tfjs/index.js';
import { bitwiseEqual, randomArray, rng } from './helpers.js';
import { useBackend, values, variable } from './tfjs-helpers.js';

const random = rng(11);

/** WebAssembly kernels whose own entry points throw: a step that uses them did not run in place. */
function forbiddenWasmKernels(): StepKernels {
  const k = createWasmKernels({ threads: 1 });
  const refuse = () => {
    throw new Error('the copy path was used');
  };
  Object.assign(k, { madgradDense: refuse, mirrorDense: refuse, firstNonFinite: refuse });
  return k;
}

/** The same WebAssembly kernels behind a plain object: the optimizer copies through them. */
function copyingWasmKernels(): ScanningKernels {
  const k = createWasmKernels({ threads: 1 });
  return {
    name: 'wasm',
    madgradDense: k.madgradDense,
    mirrorDense: k.mirrorDense,
    firstNonFinite: k.firstNonFinite!,
  };
}

const CASES: { label: string; make: (c: TfjsOptimizerConfig) => tf.Optimizer }[] = [
  { label: 'madgrad', make: (c) => madgrad(0.05, c) },
  {
    label: 'madgrad momentum 0, coupled decay',
    make: (c) => madgrad(0.05, { ...c, momentum: 0, weightDecay: 0.1 }),
  },
  {
    label: 'madgrad decoupled decay, clipNorm',
    make: (c) => madgrad(0.05, { ...c, weightDecay: 0.1, decoupleDecay: true, clipNorm: 0.5 }),
  },
  { label: 'mirror', make: (c) => mirrorMadgrad(0.05, c) },
  {
    label: 'mirror decoupled decay, clipNorm',
    make: (c) =>
      mirrorMadgrad(0.05, { ...c, weightDecay: 0.1, decoupleDecay: true, clipNorm: 0.5 }),
  },
];

/** Sizes below, at and above a SIMD width and a 32 KiB staging chunk of the copy path. */
const SIZES = [1, 7, 64, 8195, 20001];

describe('tfjs optimizers on the wasm backend: kernels in place in the tfjs heap', () => {
  for (const { label, make } of CASES) {
    it(`${label}: in place gives the same bits as the copy path, never touching it`, async () => {
      await useBackend('wasm');
      const before = tf.memory().numTensors;
      const initial = SIZES.map((n) => randomArray(n, random, 1));
      const run = (kernels: StepKernels) => {
        const ws = initial.map((a, i) => variable(a, [a.length], `inplace${i}_`));
        const opt = make({ kernels });
        for (let step = 0; step < 4; step++) {
          const grads = SIZES.map((n) => tf.tensor1d(randomArray(n, rng(100 + step * 7 + n), 2)));
          opt.applyGradients(ws.map((w, i) => ({ name: w.name, tensor: grads[i]! })));
          tf.dispose(grads);
        }
        const out = ws.map(values);
        const state = ws.flatMap((w) =>
          Object.values(
            (opt as unknown as { stateOf(n: string): Record<string, tf.Tensor> }).stateOf(w.name),
          ).map(values),
        );
        opt.dispose();
        tf.dispose(ws);
        return { out, state };
      };
      const inPlace = run(forbiddenWasmKernels());
      const copied = run(copyingWasmKernels());
      inPlace.out.forEach((a, i) => assert.ok(bitwiseEqual(a, copied.out[i]!), `variable ${i}`));
      inPlace.state.forEach((a, i) => assert.ok(bitwiseEqual(a, copied.state[i]!), `state ${i}`));
      assert.ok(
        inPlace.out.every((a, i) => !bitwiseEqual(a, initial[i]!)),
        'the variables moved',
      );
      assert.equal(tf.memory().numTensors, before);
    });
  }

  it('steps in place when the gradient is the variable itself (copied into heap scratch)', async () => {
    await useBackend('wasm');
    const step = (kernels: StepKernels) => {
      const w = variable([1, -2, 3, 0.5, 4], [5]);
      const opt = madgrad(0.1, { kernels });
      opt.applyGradients([{ name: w.name, tensor: w }]);
      const out = values(w);
      opt.dispose();
      w.dispose();
      return out;
    };
    assert.ok(bitwiseEqual(step(forbiddenWasmKernels()), step(copyingWasmKernels())));
  });

  it('still rejects NaN before anything changes, checking in place', async () => {
    await useBackend('wasm');
    const w = variable([1, 2, 3], [3]);
    const opt = madgrad(0.1, { kernels: forbiddenWasmKernels() });
    const bad = tf.tensor1d([0, Number.NaN, 0]);
    assert.throws(() => opt.applyGradients({ [w.name]: bad }), /holds NaN or Infinity/);
    assert.deepEqual([...values(w)], [1, 2, 3]);
    opt.dispose();
    tf.dispose([w, bad]);
  });

  it('sends arrays outside the memory to the fallback; refuses a memory it cannot import', async () => {
    await useBackend('wasm');
    const memory = wasmBackendMemory()!;
    let fallbackCalls = 0;
    const fallback = copyingWasmKernels();
    const counting: ScanningKernels = {
      ...fallback,
      madgradDense: (b, g, c) => {
        fallbackCalls++;
        fallback.madgradDense(b, g, c);
      },
    };
    const kernels = createInPlaceKernels(memory, counting)!;
    const plain = () => new Float32Array(4);
    const c = {
      lamb: 0.1,
      lr: 0.1,
      momentum: 0.9,
      eps: 1e-6,
      weightDecay: 0,
      decoupleDecay: false,
    };
    kernels.madgradDense({ p: plain(), v: plain(), s: plain(), x0: plain() }, plain(), c);
    assert.equal(fallbackCalls, 1);
    // A memory without a maximum cannot satisfy the module's import (maximum 4 GiB).
    const WA = (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => never } })
      .WebAssembly;
    assert.equal(createInPlaceKernels(new WA.Memory({ initial: 1 }), counting), null);
  });
});
