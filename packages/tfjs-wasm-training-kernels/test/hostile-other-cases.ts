/**
 * Seeded calls of MaxPoolGrad, Sum, UnsortedSegmentSum, BatchMatMul, Slice, SplitV, Unpack, Tile
 * and Concat, consistent or with one inconsistency (see hostile-cases.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Operand } from './heap-guard.js';
import { int } from './helpers.js';
import { type Case, commonMutation, operand, pick } from './hostile-cases.js';

type Random = () => number;

/** MaxPoolGrad: dy, input, output (dy's shape); filterSize, strides, pad. */
export function maxPoolGradCase(random: Random): Case {
  for (;;) {
    const channels = random() < 0.06 ? 0 : int(random, 1, 5);
    const input = [
      random() < 0.06 ? 0 : int(random, 1, 3),
      int(random, 1, 9),
      int(random, 1, 9),
      channels,
    ];
    const filterSize = [int(random, 1, 4), int(random, 1, 4)];
    const strides = [int(random, 1, 3), int(random, 1, 3)];
    const r = random();
    const padding =
      r < 0.4
        ? { pad: 'same' }
        : r < 0.8
          ? { pad: 'valid' }
          : { pad: int(random, 0, 1), dimRoundingMode: pick(random, ['floor', 'ceil']) };
    const info = tf.backend_util.computePool2DInfo(
      input as [number, number, number, number],
      filterSize as [number, number],
      strides as [number, number],
      1,
      padding.pad as 'same',
      padding.dimRoundingMode as 'floor' | undefined,
    );
    if (info.outHeight < 1 || info.outWidth < 1) continue;
    const dy = operand(random, info.outShape);
    const c: Case = {
      inputs: { dy, input: operand(random, input), output: operand(random, info.outShape) },
      attrs: { filterSize, strides, ...padding },
      expect: 'result',
      note: 'consistent',
    };
    if (random() < 0.4) return c;
    if (random() < 0.3) {
      return {
        ...c,
        attrs: { ...c.attrs, filterSize: pick(random, [0, -1, 1.5, [2], 'x', 2 ** 40, null]) },
        expect: 'error',
      };
    }
    // The shape attribute of the common changes is filterSize here (a pair, not a shape).
    const changed = commonMutation(random, c, 'filterSize', 'dy', 'input');
    return changed.attrs.filterSize === c.attrs.filterSize
      ? changed
      : { ...changed, attrs: { ...changed.attrs, filterSize: [1, 2, 3] } };
  }
}

/** Sum: x of rank 0-4 (zero-size dimensions included), over leading or any axes. */
export function sumCase(random: Random): Case {
  const rank = int(random, 0, 4);
  const shape = Array.from({ length: rank }, () => (random() < 0.08 ? 0 : int(random, 1, 6)));
  const all = Array.from({ length: rank }, (_, i) => i);
  const leading = all.slice(0, int(random, 1, Math.max(1, rank)));
  const axis = rank === 0 ? [] : random() < 0.6 ? leading : all.filter(() => random() < 0.5);
  const c: Case = {
    inputs: { x: operand(random, shape) },
    attrs: { axis: random() < 0.2 ? axis.map((a) => a - rank) : axis, keepDims: random() < 0.5 },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.5) return c;
  const hostile = pick(random, [rank, -rank - 1, 0.5, 'x', [0, 99], Number.NaN]);
  return { ...c, attrs: { ...c.attrs, axis: hostile }, expect: 'error' };
}

/** UnsortedSegmentSum: x [rows, ...inner] (float32 or int32), one int32 id a row. */
export function segmentSumCase(random: Random): Case {
  const rows = int(random, 0, 12);
  const inner = Array.from({ length: int(random, 0, 2) }, () => int(random, 0, 4));
  const numSegments = int(random, 0, 6);
  const x = operand(random, [rows, ...inner]);
  if (random() < 0.5) x.values = Int32Array.from(x.values, (v) => Math.round(v * 50));
  const ids = Int32Array.from({ length: rows }, () => int(random, -2, numSegments + 1));
  const c: Case = {
    inputs: { x, segmentIds: { values: ids, shape: [rows] } },
    attrs: { numSegments },
    expect: 'result',
    // The cpu kernel fails on zero segments; the result is then empty, [0, ...inner].
    reference: numSegments > 0,
    shape: [numSegments, ...inner],
    note: 'consistent',
  };
  if (random() < 0.4) return c;
  switch (int(random, 0, 3)) {
    case 0:
      return {
        ...c,
        attrs: {
          numSegments: pick(random, [-1, 1.5, Number.NaN, '2', 2 ** 40, null, 'x'.repeat(5000)]),
        },
        expect: 'error',
      };
    case 1:
      return {
        ...c,
        inputs: {
          ...c.inputs,
          segmentIds: { values: new Int32Array(rows + 1), shape: [rows + 1] },
        },
        expect: 'error',
      };
    case 2:
      return {
        ...c,
        inputs: { ...c.inputs, segmentIds: { values: ids, shape: [rows, 1] } },
        expect: 'error',
      };
    default:
      return {
        ...c,
        inputs: { ...c.inputs, segmentIds: { values: Float32Array.from(ids), shape: [rows] } },
        expect: 'error',
      };
  }
}

/**
 * BatchMatMul: a [...batchA, m, k] and b [...batchB, k, n] (either transposed), batch shapes that
 * broadcast; made inconsistent by an inner size, a batch size or a rank below 2.
 */
export function batchMatMulCase(random: Random): Case {
  const m = int(random, 1, 7);
  const k = random() < 0.06 ? 0 : int(random, 1, 9);
  const n = int(random, 1, 7);
  const batch = Array.from({ length: int(random, 0, 2) }, () => int(random, 1, 3));
  const batchB = batch.map((d) => (random() < 0.3 ? 1 : d)).slice(int(random, 0, batch.length));
  const transposeA = random() < 0.5;
  const transposeB = random() < 0.5;
  const aShape = [...batch, ...(transposeA ? [k, m] : [m, k])];
  const bShape = [...batchB, ...(transposeB ? [n, k] : [k, n])];
  const c: Case = {
    inputs: { a: operand(random, aShape), b: operand(random, bShape) },
    attrs: { transposeA, transposeB },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.4) return c;
  switch (int(random, 0, 2)) {
    case 0: {
      const inner = transposeB ? bShape.length - 1 : bShape.length - 2;
      const shape = bShape.map((d, i) => (i === inner ? d + int(random, 1, 3) : d));
      return {
        ...c,
        inputs: { ...c.inputs, b: operand(random, shape) },
        expect: 'error',
        note: 'inner size',
      };
    }
    case 1: {
      const shape = [int(random, 4, 5), ...aShape.slice(-2)];
      const other = [int(random, 2, 3), ...bShape.slice(-2)];
      return {
        ...c,
        inputs: { a: operand(random, shape), b: operand(random, other) },
        expect: 'error',
        note: 'batch sizes',
      };
    }
    default:
      return {
        ...c,
        inputs: { ...c.inputs, a: operand(random, [int(random, 1, 5)]) },
        expect: 'error',
        note: 'rank 1',
      };
  }
}

/**
 * x of rank 1-4 (zero-size dimensions included), float32 or int32. Not rank 0: the cpu kernel
 * slices a scalar into no values.
 */
function sliceable(random: Random): Operand {
  const shape = Array.from({ length: int(random, 1, 4) }, () =>
    random() < 0.06 ? 0 : int(random, 1, 6),
  );
  const x = operand(random, shape);
  if (random() < 0.3) x.values = Int32Array.from(x.values, (v) => Math.round(v * 50));
  return x;
}

/** Slice: a block of x by begin and size (-1: to the end), or one reaching beyond x. */
export function sliceCase(random: Random): Case {
  const x = sliceable(random);
  const begin = x.shape.map((d) => int(random, 0, d));
  const size = x.shape.map((d, i) => (random() < 0.2 ? -1 : int(random, 0, d - begin[i]!)));
  const c: Case = { inputs: { x }, attrs: { begin, size }, expect: 'result', note: 'consistent' };
  if (random() < 0.4) return c;
  const axis = int(random, 0, x.shape.length - 1);
  const bad = pick(random, [
    { begin: begin.map((b, i) => (i === axis ? x.shape[i]! + 1 : b)) },
    { size: size.map((s, i) => (i === axis ? x.shape[i]! + 1 : s)) },
    { begin: [...begin, 0] },
    { size: size.slice(1) },
    { begin: begin.map((b, i) => (i === axis ? -1 : b)) },
    { size: size.map((s, i) => (i === axis ? pick(random, [-2, 0.5, Number.NaN, 'x']) : s)) },
  ]);
  return { ...c, attrs: { ...c.attrs, ...bad }, expect: 'error', note: Object.keys(bad)[0]! };
}

/** SplitV: x split along an axis into equal parts or given sizes (one may be -1). */
export function splitCase(random: Random): Case {
  const x = sliceable(random);
  const axis = int(random, 0, x.shape.length - 1);
  const length = x.shape[axis]!;
  const parts = int(random, 1, 4);
  let numOrSizeSplits: number | number[];
  if (random() < 0.5 && length % parts === 0) numOrSizeSplits = parts;
  else {
    const sizes = Array.from({ length: parts - 1 }, () => 0);
    let left = length;
    for (let i = 0; i < sizes.length; i++) left -= sizes[i] = int(random, 0, left);
    numOrSizeSplits = [...sizes, left];
    // Not first: tfjs's prepareSplitSize, the cpu reference, sums the sizes from the first.
    if (random() < 0.3 && parts > 1) numOrSizeSplits[int(random, 1, parts - 1)] = -1;
  }
  const c: Case = {
    inputs: { x },
    attrs: { numOrSizeSplits, axis: random() < 0.2 ? axis - x.shape.length : axis },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.4) return c;
  const bad = pick(random, [
    { axis: x.shape.length },
    { axis: 0.5 },
    { numOrSizeSplits: length + 1 },
    { numOrSizeSplits: 0 },
    { numOrSizeSplits: [length + 1] },
    { numOrSizeSplits: [-1, -1] },
    { numOrSizeSplits: [] },
    { numOrSizeSplits: 'x'.repeat(5000) },
  ]);
  // With an axis of size 0, one part of size 0 (or -1) is still consistent.
  const still = 'numOrSizeSplits' in bad && length === 0 && bad.numOrSizeSplits === 1;
  return {
    ...c,
    attrs: { ...c.attrs, ...bad },
    expect: still ? 'either' : 'error',
    note: 'attrs',
  };
}

/** Unpack: x unstacked along an axis. */
export function unpackCase(random: Random): Case {
  const x = sliceable(random);
  const axis = int(random, 0, x.shape.length - 1);
  const c: Case = {
    inputs: { value: x },
    attrs: { axis: random() < 0.2 ? axis - x.shape.length : axis },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.5) return c;
  const hostile = pick(random, [x.shape.length, -x.shape.length - 1, 0.5, 'x', null]);
  return { ...c, attrs: { axis: hostile }, expect: 'error', note: 'axis' };
}

/** Tile: x of rank 1-4 repeated 0-4 times along each axis; reps that do not fit x refused. */
export function tileCase(random: Random): Case {
  const x = sliceable(random);
  const reps = x.shape.map(() => (random() < 0.06 ? 0 : int(random, 1, 4)));
  const c: Case = { inputs: { x }, attrs: { reps }, expect: 'result', note: 'consistent' };
  if (random() < 0.4) return c;
  const hostile = pick(random, [
    [...reps, 2],
    reps.slice(1),
    reps.map((r, i) => (i === 0 ? -1 : r)),
    reps.map((r, i) => (i === 0 ? 1.5 : r)),
    reps.map((r, i) => (i === 0 ? 2 ** 40 : r)),
    'x'.repeat(5000),
    null,
  ]);
  return { ...c, attrs: { reps: hostile }, expect: 'error', note: 'reps' };
}

/** Concat: 1-3 tensors of x's shape but along the axis, joined there; mismatches refused. */
export function concatCase(random: Random): Case {
  const x = sliceable(random);
  const axis = int(random, 0, x.shape.length - 1);
  const others = Array.from({ length: int(random, 0, 2) }, () => {
    const shape = x.shape.map((d, i) => (i === axis ? int(random, 0, 5) : d));
    const o = operand(random, shape);
    if (x.values instanceof Int32Array) o.values = Int32Array.from(o.values, (v) => v * 50);
    return o;
  });
  const inputs = Object.fromEntries([x, ...others].map((t, i) => [String(i), t]));
  const c: Case = {
    inputs,
    attrs: { axis: random() < 0.2 ? axis - x.shape.length : axis },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.4) return c;
  if (random() < 0.5) {
    const hostile = pick(random, [x.shape.length, -x.shape.length - 1, 0.5, 'x', null]);
    return { ...c, attrs: { axis: hostile }, expect: 'error', note: 'axis' };
  }
  const other = [1, 2].includes(x.shape.length) && random() < 0.5 ? [...x.shape, 2] : null;
  const off = x.shape.length > 1 ? (axis + 1) % x.shape.length : -1;
  const shape = other ?? x.shape.map((d, i) => (i === off ? d + 1 : d));
  if (off === -1 && other === null) return c;
  return {
    ...c,
    inputs: { ...inputs, [String(others.length + 1)]: operand(random, shape) },
    expect: 'error',
    note: 'shape',
  };
}

/**
 * GatherV2: rows (or, on another axis, slices) of x picked by int32 indices of rank 0-2; an index
 * outside x, an axis outside its rank or a negative batchDims refused.
 */
export function gatherCase(random: Random): Case {
  const x = sliceable(random);
  const axis = random() < 0.8 ? 0 : int(random, 0, x.shape.length - 1);
  const n = x.shape[axis]!;
  const indexShape = Array.from({ length: int(random, 0, 2) }, () => int(random, 0, 4));
  const count = indexShape.reduce((p, d) => p * d, 1);
  const ids = Int32Array.from({ length: count }, () => (n === 0 ? 0 : int(random, 0, n - 1)));
  const c: Case = {
    inputs: { x, indices: { values: ids, shape: indexShape } },
    attrs: { axis: random() < 0.2 ? axis - x.shape.length : axis, batchDims: 0 },
    expect: n === 0 && count > 0 ? 'error' : 'result',
    note: n === 0 && count > 0 ? 'index' : 'consistent',
  };
  if (random() < 0.4) return c;
  switch (int(random, 0, 2)) {
    case 0: {
      if (count === 0) return c;
      const bad = Int32Array.from(ids);
      bad[int(random, 0, count - 1)] = pick(random, [n, -1, 2 ** 31 - 1, -(2 ** 31)]);
      return {
        ...c,
        inputs: { ...c.inputs, indices: { values: bad, shape: indexShape } },
        expect: 'error',
        note: 'index',
      };
    }
    case 1: {
      const hostile = pick(random, [x.shape.length, -x.shape.length - 1, 0.5, 'x', null]);
      return { ...c, attrs: { ...c.attrs, axis: hostile }, expect: 'error', note: 'axis' };
    }
    default: {
      const hostile = pick(random, [-1, 0.5, 'x']);
      return {
        ...c,
        attrs: { ...c.attrs, batchDims: hostile },
        expect: 'error',
        note: 'batchDims',
      };
    }
  }
}

/** Tanh, Exp or Sigmoid: float32 x of rank 1-4 (zero-size too), values from -5 to 5. */
export function unaryCase(random: Random): Case {
  const x = sliceable(random);
  const values = Float32Array.from(x.values, (v) => (v > 1 || v < -1 ? v / 10 : v * 5));
  return { inputs: { x: { ...x, values } }, attrs: {}, expect: 'result', note: 'consistent' };
}

/**
 * Add, Multiply or Sub: x against a block of its trailing axes, its leading axes with ones
 * after, a scalar or its own shape, either side; shapes that do not broadcast refused.
 */
export function binaryCase(random: Random): Case {
  const x = sliceable(random);
  const values = Float32Array.from(x.values);
  const cut = int(random, 0, x.shape.length);
  const small = pick(random, [
    x.shape.slice(cut),
    x.shape.map((d, i) => (i < cut ? d : 1)),
    [],
    x.shape,
  ]);
  const other = operand(random, small);
  const pair =
    random() < 0.5 ? { a: { ...x, values }, b: other } : { a: other, b: { ...x, values } };
  const c: Case = { inputs: pair, attrs: {}, expect: 'result', note: 'consistent' };
  const wide = x.shape.findIndex((d) => d > 1);
  if (random() < 0.5 || wide === -1) return c;
  const shape = x.shape.map((d, i) => (i === wide ? d + 1 : d));
  const inputs = { a: { ...x, values }, b: operand(random, shape) };
  return { ...c, inputs, expect: 'error', note: 'shapes' };
}

/**
 * FusedBatchNorm: x of rank 1-4 with per-channel mean, variance, offset and scale (or a single
 * value, which the backend's kernel takes); a varianceEpsilon that is not a finite number refused.
 */
export function batchNormCase(random: Random): Case {
  const x = sliceable(random);
  const values = Float32Array.from(x.values);
  const channels = random() < 0.8 ? (x.shape[x.shape.length - 1] ?? 1) : 1;
  const param = () => operand(random, [channels]);
  const variance = param();
  variance.values = Float32Array.from(variance.values, (v) => Math.abs(v) + 0.1);
  const inputs = { x: { ...x, values }, mean: param(), variance, offset: param(), scale: param() };
  const c: Case = {
    inputs,
    attrs: { varianceEpsilon: 1e-3 },
    expect: 'result',
    note: 'consistent',
  };
  if (random() < 0.6) return c;
  const hostile = pick(random, [Number.NaN, Infinity, 'x', null]);
  return { ...c, attrs: { varianceEpsilon: hostile }, expect: 'error', note: 'varianceEpsilon' };
}
