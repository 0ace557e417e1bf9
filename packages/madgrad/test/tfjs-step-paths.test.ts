import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Madgrad } from '../src/index.js';
import { wasmBackendMemory } from '../src/tfjs/experimental.js';
import { jsKernels, madgrad, mirrorMadgrad, type StepKernels } from '../src/tfjs/index.js';
import { bitwiseEqual, ROOT } from './helpers.js';
import { useBackend, values, variable } from './tfjs-helpers.js';

describe('tfjs optimizers: where the step runs', () => {
  it('uses the kernels on cpu and wasm and tfjs ops when asked', async () => {
    // stepPath on cpu and wasm is what docs/browser.md's table says.
    const documented = Object.fromEntries(
      [
        ...readFileSync(join(ROOT, '..', '..', 'docs', 'browser.md'), 'utf8').matchAll(
          /^\| (cpu|wasm) \| `([^`]+)` \|/gm,
        ),
      ].map((m) => [m[1]!, m[2]!]),
    );
    await useBackend('cpu');
    assert.equal(madgrad().stepPath, documented.cpu);
    await useBackend('wasm');
    assert.equal(mirrorMadgrad().stepPath, documented.wasm);
    // Which step runs: given kernels step on cpu and wasm, and not on the ops path.
    for (const backend of ['cpu', 'wasm']) {
      await useBackend(backend);
      for (const [path, runs] of [
        ['auto', true],
        ['ops', false],
      ] as const) {
        let calls = 0;
        const probe: StepKernels = {
          name: 'probe',
          madgradDense: (b, g, c) => {
            calls++;
            jsKernels.madgradDense(b, g, c);
          },
          mirrorDense: jsKernels.mirrorDense,
        };
        const w = variable([1, 2], [2]);
        const opt = madgrad(0.01, { kernels: probe, path });
        assert.equal(opt.stepPath.includes('probe'), runs, opt.stepPath);
        opt.applyGradients({ [w.name]: tf.tensor([0.5, -1]) });
        assert.equal(calls, runs ? 1 : 0, `${backend}, path ${path}`);
        assert.ok(values(w)[0]! < 1 && values(w)[1]! > 2, 'and the step moved w');
        opt.dispose();
        w.dispose();
      }
    }
    await useBackend('cpu');
    assert.throws(
      () => madgrad(0.01, { kernels: 'gpu' as never }),
      /option kernels: kernels must be/,
    );
  });

  it('gives kernels the views into the wasm backend memory (so they can work in place)', async () => {
    await useBackend('cpu');
    assert.equal(wasmBackendMemory(), null);
    await useBackend('wasm');
    const memory = wasmBackendMemory();
    assert.ok(memory !== null && memory.buffer.byteLength > 0);
    let sameBuffer = false;
    const probe: StepKernels = {
      name: 'probe',
      madgradDense: (b, g, c) => {
        sameBuffer = [b.p, b.v, b.s, b.x0!, g].every((a) => a.buffer === memory!.buffer);
        jsKernels.madgradDense(b, g, c);
      },
      mirrorDense: jsKernels.mirrorDense,
    };
    const w = variable([1, 2], [2]);
    const opt = madgrad(0.1, { kernels: probe });
    const g = tf.tensor([0.5, 0.5]);
    opt.applyGradients({ [w.name]: g });
    assert.ok(sameBuffer);
    opt.dispose();
    tf.dispose([w, g]);
  });

  it('calls injected kernels on cpu and wasm, not on the ops path', async () => {
    let calls = 0;
    const counting: StepKernels = {
      name: 'counting',
      madgradDense: (b, g, c) => {
        calls++;
        jsKernels.madgradDense(b, g, c);
      },
      mirrorDense: (b, g, c) => {
        calls++;
        jsKernels.mirrorDense(b, g, c);
      },
    };
    for (const [backend, path, expected] of [
      ['cpu', 'auto', 2],
      ['wasm', 'auto', 2],
      ['cpu', 'ops', 0],
    ] as const) {
      await useBackend(backend);
      calls = 0;
      const w = variable([1, 2, 3], [3]);
      for (const opt of [
        madgrad(0.1, { kernels: counting, path }),
        mirrorMadgrad(0.1, { kernels: counting, path }),
      ]) {
        opt.applyGradients({ [w.name]: tf.tensor([0.1, 0.2, 0.3]) });
        opt.dispose();
      }
      assert.equal(calls, expected, `${backend} ${path}`);
      w.dispose();
    }
  });
});

describe('tfjs optimizers across backends', () => {
  it('steps a variable and its state across switches between cpu and wasm', async () => {
    await useBackend('cpu');
    const w = variable([1, 2, 3], [3]);
    const opt = madgrad(0.1);
    opt.applyGradients({ [w.name]: tf.tensor([0.5, -0.5, 1]) });
    await useBackend('wasm');
    opt.applyGradients({ [w.name]: tf.tensor([0.5, -0.5, 1]) });
    await useBackend('cpu');
    opt.applyGradients({ [w.name]: tf.tensor([0.5, -0.5, 1]) });
    await useBackend('wasm');
    opt.applyGradients({ [w.name]: tf.tensor([0.5, -0.5, 1]) });
    const p = Float32Array.from([1, 2, 3]);
    const core = new Madgrad([{ name: 'w', shape: [3], value: p }], { lr: 0.1 });
    for (let i = 0; i < 4; i++) core.step({ w: Float32Array.from([0.5, -0.5, 1]) });
    assert.ok(bitwiseEqual(values(w), p));
    opt.dispose();
    w.dispose();
  });
});
