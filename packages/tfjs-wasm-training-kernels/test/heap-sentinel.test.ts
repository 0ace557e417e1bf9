/**
 * Hostile input: every kernel this package provides, registered or opt-in, runs between sentinel
 * tensors and with guarded allocations (heap-guard.ts) on seeded calls, consistent or with one
 * inconsistency (hostile-*-cases.ts). Nothing outside the output may change and the backend must
 * keep working; a consistent call matches the cpu backend's kernel, an inconsistent one is
 * refused with tfjs's kind of error (an Error, "Error in <op>: ...", one bounded line).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { setHeapKernelsEnabled } from '../src/heap-kernels.js';
import {
  type FilterGradientMethod,
  type InputGradientMethod,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setFilterGradientMethod,
  setInputGradientMethod,
} from '../src/index.js';
import { type Operand, type Outcome, runBetweenSentinels } from './heap-guard.js';
import { int, readyBackends, relativeError, runOn, seeded } from './helpers.js';
import type { Case } from './hostile-cases.js';
import {
  conv2dFilterCase,
  conv2dInputCase,
  depthwiseFilterCase,
  depthwiseInputCase,
} from './hostile-conv-cases.js';
import {
  batchMatMulCase,
  batchNormCase,
  binaryCase,
  concatCase,
  gatherCase,
  maxPoolGradCase,
  segmentSumCase,
  sliceCase,
  splitCase,
  sumCase,
  tileCase,
  unaryCase,
  unpackCase,
} from './hostile-other-cases.js';

const CASES = 60;
const TOLERANCE = 1e-4;

/** At most `limit` characters of `text`. */
const cut = (text: string, limit = 240) =>
  text.length <= limit ? text : `${text.slice(0, limit)}...`;

function described(name: string, c: { inputs: Record<string, Operand>; attrs: object }): string {
  const shapes = Object.entries(c.inputs).map(
    ([k, v]) => `${k} [${v.shape}] ${v.values instanceof Int32Array ? 'int32' : 'float32'}`,
  );
  return `${name} on ${shapes.join(', ')} with ${cut(JSON.stringify(c.attrs) ?? '')}`;
}

/** tfjs's kind of error: an Error whose message is one line, "Error in <op>: ...", bounded. */
function assertTfjsError(error: unknown, call: string): void {
  assert.ok(error instanceof Error, `${call}: threw a non-Error ${cut(String(error))}`);
  const { message } = error;
  assert.match(message, /^Error in [A-Za-z0-9]+: /, `${call}: ${cut(message)}`);
  assert.ok(!message.includes('\n'), `${call}: a message of several lines`);
  assert.ok(message.length <= 300, `${call}: a message of ${message.length} characters`);
}

async function judge(name: string, c: Case, outcome: Outcome): Promise<void> {
  const kind = c.expect === 'result' ? 'consistent' : 'inconsistent';
  const call = `${c.note === 'consistent' ? kind : `${kind} (${c.note})`}: ${described(name, c)}`;
  if (outcome.output === undefined) {
    const e = outcome.error;
    assert.notEqual(c.expect, 'result', `${call} threw ${cut(String(e))}`);
    assertTfjsError(e, call);
    return;
  }
  assert.notEqual(c.expect, 'error', `${call} was not refused`);
  if (c.reference === false) {
    assert.deepEqual(outcome.output.shape, c.shape, call);
    return;
  }
  const want = await runOn('cpu', name, c.inputs, c.attrs);
  await tf.setBackend('wasm');
  assert.deepEqual(outcome.output.shape, want.shape, call);
  const e = relativeError(outcome.output.values, want.values);
  assert.ok(e <= TOLERANCE, `${call}: error ${e} against cpu`);
}

/** Runs `CASES` seeded calls of `name` made by `make` between sentinels and judges each. */
async function property(name: string, seed: number, make: (random: () => number) => Case) {
  const random = seeded(seed);
  await tf.setBackend('wasm');
  for (let n = 0; n < CASES; n++) {
    const c = make(random);
    const outcome = runBetweenSentinels(name, c.inputs, c.attrs, int(random, 1, 64));
    await judge(name, c, outcome);
  }
}

const operand4 = (shape: number[]): Operand => ({
  values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1),
  shape,
});

/** The call of issue 20: a filterShape whose in-channels (1) disagree with x's (4). */
const ISSUE_20 = {
  inputs: {
    x: { values: new Float32Array(64).fill(1), shape: [1, 4, 4, 4] },
    dy: { values: new Float32Array(64).fill(1), shape: [1, 4, 4, 4] },
  },
  attrs: { filterShape: [3, 3, 1, 4], strides: [1, 1], pad: 'same', dataFormat: 'NHWC' },
};

function assertIssue20Refused(): void {
  const outcome = runBetweenSentinels('Conv2DBackpropFilter', ISSUE_20.inputs, ISSUE_20.attrs);
  assert.equal(outcome.output?.shape, undefined, 'issue 20: not refused');
  assertTfjsError(outcome.error, 'issue 20');
  assert.match((outcome.error as Error).message, /depth of input \(4\).*filter \(1\)/);
}

describe('heap sentinels around the registered kernels', () => {
  before(readyBackends);

  it("refuses issue 20's Conv2DBackpropFilter and stays usable", async () => {
    await tf.setBackend('wasm');
    assertIssue20Refused();
  });

  for (const method of [
    'auto',
    'dy-as-filter',
    'x-as-filter',
    'im2col-matmul',
  ] as FilterGradientMethod[]) {
    it(`Conv2DBackpropFilter (${method})`, async () => {
      setFilterGradientMethod(method);
      try {
        await property('Conv2DBackpropFilter', 101 + method.length, conv2dFilterCase);
      } finally {
        setFilterGradientMethod('auto');
      }
    });
  }

  it('DepthwiseConv2dNativeBackpropFilter', () =>
    property('DepthwiseConv2dNativeBackpropFilter', 111, depthwiseFilterCase));
  it('DepthwiseConv2dNativeBackpropInput', () =>
    property('DepthwiseConv2dNativeBackpropInput', 113, depthwiseInputCase));
  it('UnsortedSegmentSum', () => property('UnsortedSegmentSum', 117, segmentSumCase));

  it('refuses outputs larger than the wasm heap can hold, consistent or not', async () => {
    await tf.setBackend('wasm');
    const x = { values: new Float32Array(1024), shape: [1, 1024] };
    const segments = runBetweenSentinels(
      'UnsortedSegmentSum',
      { x, segmentIds: { values: new Int32Array(1), shape: [1] } },
      { numSegments: 2 ** 31 - 1 },
    );
    assertTfjsError(segments.error, 'numSegments 2^31 - 1');
    assert.match((segments.error as Error).message, /does not fit in the wasm heap/);
    // 'same' padding keeps dy's size whatever the filter's: 2^32 taps are consistent, but too many.
    const filter = runBetweenSentinels(
      'Conv2DBackpropFilter',
      { x: { values: new Float32Array(4), shape: [1, 2, 2, 1] }, dy: operand4([1, 2, 2, 1]) },
      { filterShape: [2 ** 16, 2 ** 16, 1, 1], strides: 1, pad: 'same', dataFormat: 'NHWC' },
    );
    assertTfjsError(filter.error, 'a filter of 2^32 taps');
    assert.match((filter.error as Error).message, /does not fit in the wasm heap/);
  });
});

describe('heap sentinels around the faster kernels', () => {
  before(async () => {
    await readyBackends();
    replaceSlowWasmKernels();
  });
  after(() => restoreWasmKernels());

  it("refuses issue 20's Conv2DBackpropFilter (direct) and stays usable", async () => {
    await tf.setBackend('wasm');
    assertIssue20Refused();
  });

  it('Conv2DBackpropFilter (direct, or the registered kernel above 4 channels)', () =>
    property('Conv2DBackpropFilter', 121, conv2dFilterCase));

  for (const method of ['auto', 'direct', 'spread', 'sub-convolutions'] as InputGradientMethod[]) {
    it(`Conv2DBackpropInput (${method})`, async () => {
      setInputGradientMethod(method);
      try {
        await property('Conv2DBackpropInput', 131 + method.length, conv2dInputCase);
      } finally {
        setInputGradientMethod('auto');
      }
    });
  }

  for (const simd of [true, false]) {
    it(`MaxPoolGrad (${simd ? 'SIMD' : 'JavaScript'})`, async () => {
      setHeapKernelsEnabled(simd);
      try {
        await property('MaxPoolGrad', 141, maxPoolGradCase);
      } finally {
        setHeapKernelsEnabled(true);
      }
    });
  }

  it('Sum', () => property('Sum', 151, sumCase));

  it('Mean', () => property('Mean', 153, sumCase));

  it('BatchMatMul', () => property('BatchMatMul', 161, batchMatMulCase));

  it('Slice', () => property('Slice', 171, sliceCase));

  it('SplitV', () => property('SplitV', 181, splitCase));

  it('Unpack', () => property('Unpack', 191, unpackCase));

  it('Tile', () => property('Tile', 201, tileCase));

  it('Concat', () => property('Concat', 211, concatCase));

  it('GatherV2', () => property('GatherV2', 221, gatherCase));

  for (const [op, seed] of [
    ['Tanh', 231],
    ['Exp', 233],
    ['Sigmoid', 235],
  ] as const) {
    it(op, () => property(op, seed, unaryCase));
  }

  for (const [op, seed] of [
    ['Add', 241],
    ['Multiply', 251],
    ['Sub', 261],
  ] as const) {
    it(op, () => property(op, seed, binaryCase));
  }

  it('FusedBatchNorm', () => property('FusedBatchNorm', 271, batchNormCase));
});
