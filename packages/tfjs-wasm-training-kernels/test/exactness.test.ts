/**
 * Each kernel against the cpu backend's kernel of the same name, on seeded random shapes and
 * attributes: error relative to the largest reference value at most 1e-4.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { backend_util } from '@tensorflow/tfjs-core';
import {
  type FilterGradientMethod,
  filterGradientMethod,
  setFilterGradientMethod,
} from '../src/index.js';
import { int, readyBackends, relativeError, runOn, seeded, values } from './helpers.js';

const TOLERANCE = 1e-4;
const CASES = 40;

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function randomPad(random: () => number): Pad {
  const r = random();
  if (r < 0.35) return 'same';
  if (r < 0.7) return 'valid';
  return [
    [0, 0],
    [int(random, 0, 2), int(random, 0, 2)],
    [int(random, 0, 2), int(random, 0, 2)],
    [0, 0],
  ];
}

/** A random NHWC convolution whose output is at least 1x1. */
function randomConvolution(random: () => number, depthwise: boolean) {
  for (;;) {
    const k = [int(random, 1, 5), int(random, 1, 5)] as [number, number];
    const strides = [int(random, 1, 2), int(random, 1, 2)] as [number, number];
    // Dilations only where tfjs allows them: with stride 1, and in depthwise gradients.
    const dilations = (
      depthwise && strides[0] === 1 && strides[1] === 1
        ? [int(random, 1, 2), int(random, 1, 2)]
        : [1, 1]
    ) as [number, number];
    const inChannels = int(random, 1, 5);
    const x = [int(random, 1, 3), int(random, 1, 9), int(random, 1, 9), inChannels] as [
      number,
      number,
      number,
      number,
    ];
    const filter = [k[0], k[1], inChannels, int(random, 1, depthwise ? 3 : 5)] as [
      number,
      number,
      number,
      number,
    ];
    const pad = randomPad(random);
    const info = backend_util.computeConv2DInfo(
      x,
      filter,
      strides,
      dilations,
      pad,
      undefined,
      depthwise,
    );
    if (info.outHeight >= 1 && info.outWidth >= 1)
      return { x, filter, strides, dilations, pad, info };
  }
}

describe('kernels against the cpu backend', () => {
  before(readyBackends);

  for (const method of [
    'auto',
    'dy-as-filter',
    'x-as-filter',
    'im2col-matmul',
  ] as FilterGradientMethod[]) {
    it(`Conv2DBackpropFilter (${method}) on ${CASES} random convolutions`, async () => {
      const random = seeded(11 + method.length);
      const previous = filterGradientMethod;
      setFilterGradientMethod(method);
      try {
        for (let n = 0; n < CASES; n++) {
          const c = randomConvolution(random, false);
          const inputs = {
            x: {
              values: values(
                random,
                c.x.reduce((a, b) => a * b),
              ),
              shape: c.x,
            },
            dy: {
              values: values(
                random,
                c.info.outShape.reduce((a, b) => a * b),
              ),
              shape: c.info.outShape,
            },
          };
          const attrs = {
            strides: c.strides,
            pad: c.pad,
            dataFormat: 'NHWC',
            filterShape: c.filter,
          };
          const want = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
          const got = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
          assert.deepEqual(got.shape, want.shape);
          const e = relativeError(got.values, want.values);
          assert.ok(e <= TOLERANCE, `case ${n} ${JSON.stringify(attrs)} x=${c.x}: error ${e}`);
        }
      } finally {
        setFilterGradientMethod(previous);
      }
    });
  }

  it(`DepthwiseConv2dNativeBackpropFilter and ...BackpropInput on ${CASES} random convolutions`, async () => {
    const random = seeded(21);
    for (let n = 0; n < CASES; n++) {
      const c = randomConvolution(random, true);
      const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
      const x = {
        values: values(
          random,
          c.x.reduce((a, b) => a * b),
        ),
        shape: c.x,
      };
      const filter = {
        values: values(
          random,
          c.filter.reduce((a, b) => a * b),
        ),
        shape: c.filter,
      };
      const dy = {
        values: values(
          random,
          c.info.outShape.reduce((a, b) => a * b),
        ),
        shape: c.info.outShape,
      };
      const dilated = c.dilations[0] !== 1 || c.dilations[1] !== 1;
      // The cpu kernels ignore dilations (tfjs's gradients never pass any), so a dilated case is
      // checked against the cpu kernel on the equivalent undilated filter, zeros between taps.
      const effective = [...c.filter] as [number, number, number, number];
      effective[0] = (c.filter[0] - 1) * c.dilations[0] + 1;
      effective[1] = (c.filter[1] - 1) * c.dilations[1] + 1;
      const tapOf = (p: number, q: number) =>
        p * c.dilations[0] * effective[1] + q * c.dilations[1];
      const perTap = c.filter[2] * c.filter[3];
      const spread = new Float32Array(effective.reduce((a, b) => a * b));
      for (let p = 0; p < c.filter[0]; p++) {
        for (let q = 0; q < c.filter[1]; q++) {
          const from = (p * c.filter[1] + q) * perTap;
          spread.set(filter.values.subarray(from, from + perTap), tapOf(p, q) * perTap);
        }
      }
      const reference = { ...common, dilations: [1, 1] };

      const attrsF = { ...common, filterShape: c.filter };
      const gotF = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrsF);
      let wantF = await runOn(
        'cpu',
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        {
          ...(dilated ? reference : common),
          filterShape: dilated ? effective : c.filter,
        },
      );
      if (dilated) {
        const picked = new Float32Array(gotF.values.length);
        for (let p = 0; p < c.filter[0]; p++) {
          for (let q = 0; q < c.filter[1]; q++) {
            const from = tapOf(p, q) * perTap;
            picked.set(wantF.values.subarray(from, from + perTap), (p * c.filter[1] + q) * perTap);
          }
        }
        wantF = { values: picked, shape: c.filter };
      }
      assert.deepEqual(gotF.shape, wantF.shape);
      const eF = relativeError(gotF.values, wantF.values);
      assert.ok(
        eF <= TOLERANCE,
        `filter case ${n} ${JSON.stringify(attrsF)} x=${c.x}: error ${eF}`,
      );

      const attrsI = { ...common, inputShape: c.x };
      const gotI = await runOn(
        'wasm',
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter },
        attrsI,
      );
      const wantI = await runOn(
        'cpu',
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: dilated ? { values: spread, shape: effective } : filter },
        { ...(dilated ? reference : common), inputShape: c.x },
      );
      assert.deepEqual(gotI.shape, wantI.shape);
      const eI = relativeError(gotI.values, wantI.values);
      assert.ok(eI <= TOLERANCE, `input case ${n} ${JSON.stringify(attrsI)} x=${c.x}: error ${eI}`);
    }
  });

  it(`UnsortedSegmentSum on ${CASES} random inputs, ids out of range included`, async () => {
    const random = seeded(31);
    for (let n = 0; n < CASES; n++) {
      const idShape = [int(random, 0, 12)];
      const rows = idShape.reduce((a, b) => a * b, 1);
      const inner = Array.from({ length: int(random, 0, 2) }, () => int(random, 1, 4));
      const numSegments = int(random, 1, 6);
      const size = rows * inner.reduce((a, b) => a * b, 1);
      const float = values(random, size);
      const x = random() < 0.5 ? float : Int32Array.from(float, (v) => Math.round(v * 50));
      const ids = Int32Array.from({ length: rows }, () => int(random, -1, numSegments));
      const inputs = {
        x: { values: x, shape: [...idShape, ...inner] },
        segmentIds: { values: ids, shape: idShape },
      };
      const want = await runOn('cpu', 'UnsortedSegmentSum', inputs, { numSegments });
      const got = await runOn('wasm', 'UnsortedSegmentSum', inputs, { numSegments });
      assert.deepEqual(got.shape, want.shape);
      const e = relativeError(got.values, want.values);
      assert.ok(e <= TOLERANCE, `case ${n}: ids [${idShape}] inner [${inner}] error ${e}`);
    }
  });
});
