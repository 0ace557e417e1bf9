/**
 * The opt-in faster kernels (replaceSlowWasmKernels) against the cpu backend's kernels of the same
 * name on seeded random shapes, error relative to the largest reference value at most 1e-4; a
 * whole conv layer's input gradient against cpu; and replacing and restoring.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { setHeapKernelsEnabled } from '../src/heap-kernels.js';
import {
  type InputGradientMethod,
  inputGradientMethod,
  replaceableKernelNames,
  replacedWasmKernels,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setInputGradientMethod,
} from '../src/index.js';
import { int, readyBackends, relativeError, runOn, seeded, values } from './helpers.js';

const TOLERANCE = 1e-4;
const CASES = 40;

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function randomPad(random: () => number, maxPad: number): Pad {
  const r = random();
  if (r < 0.35) return 'same';
  if (r < 0.7) return 'valid';
  return [
    [0, 0],
    [int(random, 0, maxPad), int(random, 0, maxPad)],
    [int(random, 0, maxPad), int(random, 0, maxPad)],
    [0, 0],
  ];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** BatchMatMul of seeded operands of these shapes on wasm equals cpu's within TOLERANCE. */
async function productMatchesCpu(
  random: () => number,
  aShape: number[],
  bShape: number[],
  attrs: { transposeA: boolean; transposeB: boolean },
  n: number,
): Promise<void> {
  const inputs = {
    a: { values: values(random, size(aShape)), shape: aShape },
    b: { values: values(random, size(bShape)), shape: bShape },
  };
  const want = await runOn('cpu', 'BatchMatMul', inputs, attrs);
  const got = await runOn('wasm', 'BatchMatMul', inputs, attrs);
  const call = JSON.stringify({ aShape, bShape, ...attrs });
  assert.deepEqual(got.shape, want.shape, call);
  const e = relativeError(got.values, want.values);
  assert.ok(e <= TOLERANCE, `case ${n} ${call}: error ${e}`);
}

/**
 * A random NHWC convolution (no dilations: tfjs's conv2d gradient rejects them) of up to
 * `maxIn` input and `maxOut` output channels.
 */
function randomConvolution(random: () => number, maxIn = 5, maxOut = 5) {
  for (;;) {
    const k = int(random, 1, 5);
    const kw = random() < 0.7 ? k : int(random, 1, 5);
    const strides = [int(random, 1, 2), int(random, 1, 2)] as [number, number];
    const inChannels = int(random, 1, maxIn);
    const x = [int(random, 1, 3), int(random, 1, 10), int(random, 1, 10), inChannels] as [
      number,
      number,
      number,
      number,
    ];
    const filter = [k, kw, inChannels, int(random, 1, maxOut)] as [number, number, number, number];
    // Padding up to 6 exceeds the filter's size less one: the cases 'direct' cannot take.
    const pad = randomPad(random, 6);
    const info = tf.backend_util.computeConv2DInfo(x, filter, strides, 1, pad);
    if (info.outHeight >= 1 && info.outWidth >= 1) return { x, filter, strides, pad, info };
  }
}

describe('faster wasm kernels against the cpu backend', () => {
  before(async () => {
    await readyBackends();
    assert.deepEqual(replaceSlowWasmKernels(), [...replaceableKernelNames]);
  });
  after(() => restoreWasmKernels());

  for (const method of ['auto', 'direct', 'spread', 'sub-convolutions'] as InputGradientMethod[]) {
    it(`Conv2DBackpropInput (${method}) on ${CASES} random convolutions`, async () => {
      const random = seeded(61 + method.length);
      const previous = inputGradientMethod;
      setInputGradientMethod(method);
      try {
        for (let n = 0; n < CASES; n++) {
          const c = randomConvolution(random);
          const inputs = {
            dy: { values: values(random, size(c.info.outShape)), shape: c.info.outShape },
            filter: { values: values(random, size(c.filter)), shape: c.filter },
          };
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
          const want = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
          const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
          assert.deepEqual(got.shape, want.shape);
          const e = relativeError(got.values, want.values);
          assert.ok(e <= TOLERANCE, `case ${n} ${JSON.stringify(attrs)} w=${c.filter}: error ${e}`);
        }
      } finally {
        setInputGradientMethod(previous);
      }
    });
  }

  for (const simd of [true, false]) {
    it(`MaxPoolGrad (${simd ? 'SIMD' : 'JavaScript'}) on ${CASES} random poolings, ties included`, async () => {
      const random = seeded(71);
      setHeapKernelsEnabled(simd);
      for (let n = 0; n < CASES; n++) {
        const channels = int(random, 1, 5);
        const xShape = [int(random, 1, 3), int(random, 1, 9), int(random, 1, 9), channels];
        const filterSize = [int(random, 1, 4), int(random, 1, 4)];
        const strides = [int(random, 1, 3), int(random, 1, 3)];
        const r = random();
        // A number pad with a rounding mode, as maxPool allows, besides 'same' and 'valid'.
        const padding =
          r < 0.4
            ? { pad: 'same' }
            : r < 0.8
              ? { pad: 'valid' }
              : { pad: int(random, 0, 1), dimRoundingMode: random() < 0.5 ? 'floor' : 'ceil' };
        const info = tf.backend_util.computePool2DInfo(
          xShape as [number, number, number, number],
          filterSize as [number, number],
          strides as [number, number],
          1,
          padding.pad as 'same',
          padding.dimRoundingMode as 'floor' | undefined,
        );
        if (info.outHeight < 1 || info.outWidth < 1) {
          n--;
          continue;
        }
        // Half the cases on a few integer levels, so windows hold ties (the first maximum wins).
        const raw = values(random, size(xShape));
        const x = n % 2 === 0 ? raw : raw.map((v) => Math.round(v * 2));
        const attrs = { filterSize, strides, ...padding };
        const input = { values: x, shape: xShape };
        const output = await runOn('cpu', 'MaxPool', { x: input }, attrs);
        const inputs = {
          dy: { values: values(random, size(output.shape)), shape: output.shape },
          input,
          output,
        };
        const want = await runOn('cpu', 'MaxPoolGrad', inputs, attrs);
        const got = await runOn('wasm', 'MaxPoolGrad', inputs, attrs);
        assert.deepEqual(got.shape, want.shape);
        const e = relativeError(got.values, want.values);
        assert.ok(e <= TOLERANCE, `case ${n} ${JSON.stringify(attrs)} x=${xShape}: error ${e}`);
      }
      setHeapKernelsEnabled(true);
    });
  }

  it(`Conv2DBackpropFilter (direct, up to 16 input channels) on ${CASES} random convolutions`, async () => {
    const random = seeded(75);
    for (let n = 0; n < CASES; n++) {
      const c = randomConvolution(random, 16, 20);
      const inputs = {
        x: { values: values(random, size(c.x)), shape: c.x },
        dy: { values: values(random, size(c.info.outShape)), shape: c.info.outShape },
      };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
      const want = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
      const got = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
      assert.deepEqual(got.shape, want.shape);
      const e = relativeError(got.values, want.values);
      assert.ok(e <= TOLERANCE, `case ${n} ${JSON.stringify(attrs)} x=${c.x}: error ${e}`);
    }
  });

  for (const op of ['Sum', 'Mean']) {
    it(`${op} on ${CASES} random shapes and axes, leading axes or not`, async () => {
      const random = seeded(op === 'Sum' ? 77 : 79);
      for (let n = 0; n < CASES; n++) {
        const rank = int(random, 1, 4);
        const shape = Array.from({ length: rank }, () => int(random, 1, 6));
        // The first case: 10,500 rows, many blocks of 256.
        if (n === 0) shape.splice(0, rank, 300, 5, 7, 3);
        const r = shape.length;
        const leading = Array.from({ length: int(random, 1, r) }, (_, i) => i);
        const any = Array.from({ length: r }, (_, i) => i).filter(() => random() < 0.5);
        const axis = n === 0 ? [0, 1, 2] : random() < 0.7 ? leading : any;
        const x = { values: values(random, size(shape)), shape };
        const attrs = { axis, keepDims: random() < 0.5 };
        const want = await runOn('cpu', op, { x }, attrs);
        const got = await runOn('wasm', op, { x }, attrs);
        assert.deepEqual(got.shape, want.shape, JSON.stringify({ shape, ...attrs }));
        const e = relativeError(got.values, want.values);
        assert.ok(e <= TOLERANCE, `case ${n} ${JSON.stringify({ shape, ...attrs })}: error ${e}`);
      }
    });
  }

  it(`BatchMatMul on ${CASES} random products, transposed or not, batch shapes broadcast`, async () => {
    const random = seeded(91);
    for (let n = 0; n < CASES; n++) {
      const [m, k, cols] = [int(random, 1, 40), int(random, 1, 70), int(random, 1, 40)];
      const batch = Array.from({ length: int(random, 0, 2) }, () => int(random, 1, 4));
      const batchB = batch.map((d) => (random() < 0.3 ? 1 : d)).slice(int(random, 0, batch.length));
      const attrs = { transposeA: random() < 0.5, transposeB: random() < 0.5 };
      const aShape = [...batch, ...(attrs.transposeA ? [k, m] : [m, k])];
      const bShape = [...batchB, ...(attrs.transposeB ? [cols, k] : [k, cols])];
      await productMatchesCpu(random, aShape, bShape, attrs, n);
    }
  });

  it('BatchMatMul with one matrix for the whole batch on either side, transposed or not', async () => {
    const random = seeded(92);
    for (let n = 0; n < 16; n++) {
      const [m, k, cols] = [int(random, 1, 40), int(random, 1, 70), int(random, 1, 40)];
      const batch = [int(random, 2, 4), int(random, 1, 3)];
      const shared = n % 2 === 0 ? 'a' : 'b';
      const attrs = { transposeA: (n >> 1) % 2 === 1, transposeB: (n >> 2) % 2 === 1 };
      const aShape = [...(shared === 'a' ? [] : batch), ...(attrs.transposeA ? [k, m] : [m, k])];
      const bShape = [
        ...(shared === 'b' ? [] : batch),
        ...(attrs.transposeB ? [cols, k] : [k, cols]),
      ];
      await productMatchesCpu(random, aShape, bShape, attrs, n);
    }
  });

  // The largest error of each function in units in the last place of the exact value rounded to
  // float32, over a dense sweep of its range; subnormal results are held to 2^-149 absolute.
  const functions = [
    { name: 'Tanh', op: tf.tanh, exact: Math.tanh, from: -20, to: 20, units: 1 },
    { name: 'Exp', op: tf.exp, exact: Math.exp, from: -110, to: 90, units: 1 },
    {
      name: 'Sigmoid',
      op: tf.sigmoid,
      exact: (v: number) => 1 / (1 + Math.exp(-v)),
      from: -110,
      to: 110,
      units: 2,
    },
  ];
  for (const { name, op, exact, from, to, units } of functions) {
    it(`${name} within ${units} units in the last place, from ${from} to ${to}, down to 2^-40, and at ±0, ±Infinity and NaN`, async () => {
      const xs: number[] = [0, -0, Infinity, -Infinity, Number.NaN, 1e30, -1e30];
      for (let i = 0; i <= 400_000; i++) xs.push(from + ((to - from) * i) / 400_000);
      for (let e = -40; e <= 0; e++) for (let k = 1; k < 64; k++) xs.push(k * 2 ** e, -k * 2 ** e);
      const x = Float32Array.from(xs);
      await tf.setBackend('wasm');
      const y = tf.tidy(() => op(tf.tensor1d(x)).dataSync());
      // The gap from |v| to the next float32 above it (2^-149 for subnormals).
      const bits = new Uint32Array(1);
      const float = new Float32Array(bits.buffer);
      const ulp = (v: number) => {
        float[0] = Math.abs(v);
        bits[0] = bits[0]! + 1;
        return float[0]! - Math.abs(v);
      };
      for (let i = 0; i < x.length; i++) {
        const want = Math.fround(exact(x[i]!));
        if (Number.isNaN(want)) {
          assert.ok(Number.isNaN(y[i]), `${x[i]}: ${y[i]}, not NaN`);
          continue;
        }
        if (!Number.isFinite(want)) {
          assert.equal(y[i], want, `${x[i]}`);
          continue;
        }
        const off = Math.abs(y[i]! - want) / ulp(want);
        assert.ok(off <= units, `${x[i]}: ${y[i]}, ${off} units from ${want}`);
      }
    });
  }

  it('Add, Multiply and Sub with one operand repeating over the other equal cpu exactly', async () => {
    const random = seeded(97);
    for (let n = 0; n < 60; n++) {
      const full = Array.from({ length: int(random, 1, 4) }, () => int(random, 1, 9));
      const cut = int(random, 0, full.length);
      // A trailing block of full's axes, its leading axes with ones after, or a scalar.
      const kind = n % 3;
      let small =
        kind === 0 ? full.slice(cut) : kind === 1 ? full.map((d, i) => (i < cut ? d : 1)) : [];
      if (random() < 0.3) small = [1, ...small];
      const [aShape, bShape] = random() < 0.5 ? [full, small] : [small, full];
      const inputs = {
        a: { values: values(random, size(aShape)), shape: aShape },
        b: { values: values(random, size(bShape)), shape: bShape },
      };
      for (const op of ['Add', 'Multiply', 'Sub']) {
        const want = await runOn('cpu', op, inputs, {});
        const got = await runOn('wasm', op, inputs, {});
        const call = `${op} ${JSON.stringify({ aShape, bShape })}`;
        assert.deepEqual(got.shape, want.shape, call);
        assert.deepEqual(Array.from(got.values), Array.from(want.values), call);
      }
    }
  });

  it('FusedBatchNorm with per-channel statistics, scale and offset or not, matches cpu', async () => {
    const random = seeded(99);
    for (let n = 0; n < 24; n++) {
      const shape = Array.from({ length: int(random, 1, 4) }, () => int(random, 1, 9));
      const channels = shape[shape.length - 1]!;
      const param = (positive = false) => ({
        values: Float32Array.from(values(random, channels), (v) => (positive ? Math.abs(v) : v)),
        shape: [channels],
      });
      const inputs: Record<string, { values: Float32Array; shape: number[] }> = {
        x: { values: values(random, size(shape)), shape },
        mean: param(),
        variance: param(true),
      };
      if (n % 2 === 0) inputs.scale = param();
      if (n % 3 === 0) inputs.offset = param();
      const attrs = { varianceEpsilon: 1e-3 };
      const want = await runOn('cpu', 'FusedBatchNorm', inputs, attrs);
      const got = await runOn('wasm', 'FusedBatchNorm', inputs, attrs);
      const call = JSON.stringify({ shape, scale: n % 2 === 0, offset: n % 3 === 0 });
      assert.deepEqual(got.shape, want.shape, call);
      const e = relativeError(got.values, want.values);
      assert.ok(e <= TOLERANCE, `case ${n} ${call}: error ${e}`);
    }
  });

  it('the gradients of a matrix product match cpu (the products with a transposed operand)', async () => {
    const random = seeded(93);
    const [as, bs] = [values(random, 5 * 33 * 17), values(random, 5 * 17 * 9)];
    const gradients = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)));
        const [da, db] = tf.grads(f)([tf.tensor3d(as, [5, 33, 17]), tf.tensor3d(bs, [5, 17, 9])]);
        return [da!.dataSync(), db!.dataSync()];
      });
    };
    const [want, got] = [await gradients('cpu'), await gradients('wasm')];
    for (const i of [0, 1]) {
      const e = relativeError(got[i]!, want[i]!);
      assert.ok(e <= TOLERANCE, `gradient ${i}: error ${e}`);
    }
  });

  it('Slice, SplitV, Unpack, Tile, Concat and GatherV2 copy exactly what cpu does, for float32, int32 and bool', async () => {
    const random = seeded(95);
    const shape = [6, 33, 17];
    const data = values(random, size(shape));
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const parts = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const t = tf.mul(tf.tensor3d(data, shape as [number, number, number]), 3);
          // A comparison, not a cast: the wasm backend's cast to bool keeps other values.
          const x = dtype === 'bool' ? tf.greater(t, 0) : tf.cast(t, dtype);
          return [
            tf.slice(x, [1, 4, 0], [3, -1, 5]),
            tf.slice(x, [2, 0, 0], [1, 33, 17]),
            ...tf.split(x, [10, -1, 3], 1),
            ...tf.split(x, 3, 0),
            ...tf.unstack(x, 2),
            tf.tile(x, [2, 1, 3]),
            tf.tile(tf.slice(x, [0, 0, 0], [1, 1, 17]), [64, 7, 1]),
            tf.tile(tf.slice(x, [0, 0, 0], [6, 33, 1]), [1, 1, 5]),
            tf.concat([x, tf.slice(x, [0, 0, 2], [6, 33, 3]), x], 2),
            tf.concat([x, tf.slice(x, [0, 0, 0], [2, 33, 17])], 0),
            tf.gather(x, [5, 0, 5, 2]),
            tf.gather(x, tf.tensor2d([1, 2, 0, 5], [2, 2], 'int32')),
            tf.gather(x, [32, 0], 1),
            tf.gather(tf.reshape(x, [-1]), [7, 3000, 7]),
          ].map((t) => [t.shape, Array.from(t.dataSync())]);
        });
      };
      assert.deepEqual(await parts('wasm'), await parts('cpu'), dtype);
    }
  });

  it('a conv2d layer: the input gradient of sum(conv2d(x, W) * r) matches cpu', async () => {
    const random = seeded(81);
    for (let n = 0; n < 12; n++) {
      const c = randomConvolution(random);
      const xs = values(random, size(c.x));
      const ws = values(random, size(c.filter));
      const rs = values(random, size(c.info.outShape));
      const gradient = async (backend: 'cpu' | 'wasm') => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const w = tf.tensor4d(ws, c.filter);
          const r = tf.tensor(rs, c.info.outShape);
          const f = (x: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w, c.strides, c.pad), r));
          return tf.grad(f)(tf.tensor4d(xs, c.x)).dataSync();
        });
      };
      const e = relativeError(await gradient('wasm'), await gradient('cpu'));
      assert.ok(e <= TOLERANCE, `layer ${n} x=${c.x} w=${c.filter} ${JSON.stringify(c.pad)}: ${e}`);
    }
  });

  it('falls back to the backend kernel where the replacement does not apply (NCHW)', async () => {
    const random = seeded(91);
    const inputs = {
      dy: { values: values(random, 2 * 3 * 4 * 4), shape: [2, 3, 4, 4] },
      filter: { values: values(random, 3 * 3 * 2 * 3), shape: [3, 3, 2, 3] },
    };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 2, 4, 4] };
    const want = await runOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    const got = await runOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    assert.ok(relativeError(got.values, want.values) <= TOLERANCE);
  });
});

describe('replacing and restoring', () => {
  before(readyBackends);

  it('replaces only when called, idempotently, and restores the originals', () => {
    const own = new Map(
      replaceableKernelNames.map((n) => [n, tf.getKernel(n, 'wasm')!.kernelFunc]),
    );
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelFunc);
    assert.deepEqual(replacedWasmKernels(), [], 'importing the package replaces nothing');
    assert.deepEqual(replaceSlowWasmKernels(['MaxPoolGrad']), ['MaxPoolGrad']);
    assert.deepEqual(
      replaceSlowWasmKernels(),
      replaceableKernelNames.filter((n) => n !== 'MaxPoolGrad'),
    );
    assert.deepEqual(replaceSlowWasmKernels(), [], 'a second call replaces nothing');
    for (const [name, func] of own) assert.notEqual(tf.getKernel(name, 'wasm')!.kernelFunc, func);
    assert.deepEqual(
      tf.getKernelsForBackend('cpu').map((k) => k.kernelFunc),
      cpu,
      'other backends unchanged',
    );
    assert.deepEqual(restoreWasmKernels().sort(), [...replaceableKernelNames].sort());
    for (const [name, func] of own) assert.equal(tf.getKernel(name, 'wasm')!.kernelFunc, func);
    assert.deepEqual(restoreWasmKernels(), [], 'nothing left to restore');
    assert.deepEqual(replacedWasmKernels(), []);
    assert.throws(() => replaceSlowWasmKernels(['Conv2D']), /no faster wasm kernel named "Conv2D"/);
  });
});

describe('the SIMD heap kernels', () => {
  it('are compiled from the committed AssemblyScript source (the binary is up to date)', () => {
    const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });
});
