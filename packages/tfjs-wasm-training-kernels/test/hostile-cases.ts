/**
 * Seeded kernel calls for the heap-sentinel tests: consistent random shapes (zero-size dimensions
 * included), and the same calls with one thing made inconsistent (an attribute that disagrees
 * with the tensors, a wrong rank, a stride or padding that does not fit, a huge or hostile value).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Operand } from './heap-guard.js';
import { int, values } from './helpers.js';

/**
 * One call. `expect`: 'result' (consistent: it must match the cpu backend), 'error' (it must be
 * refused), 'either' (refused, or a result matching cpu: the change may leave it consistent).
 * `reference` is false where the cpu kernel is no reference (it ignores dilations); `shape` is
 * then the output's shape.
 */
export interface Case {
  inputs: Record<string, Operand>;
  attrs: Record<string, unknown>;
  expect: 'result' | 'error' | 'either';
  reference?: boolean;
  shape?: number[];
  note: string;
}

type Random = () => number;
type Shape4 = [number, number, number, number];

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const operand = (random: Random, shape: number[]): Operand => ({
  values: values(random, size(shape)),
  shape,
});
export const pick = <T>(random: Random, options: readonly T[]): T =>
  options[Math.floor(random() * options.length)]!;

/** A dimension: usually 1..max, sometimes 0. */
function dim(random: Random, max: number): number {
  return random() < 0.06 ? 0 : int(random, 1, max);
}

export type Pad = 'same' | 'valid' | number | number[][];

function randomPad(random: Random): { pad: Pad; dimRoundingMode?: string } {
  const r = random();
  if (r < 0.3) return { pad: 'same' };
  if (r < 0.6) return { pad: 'valid' };
  if (r < 0.75) return { pad: int(random, 0, 2), dimRoundingMode: pick(random, ['floor', 'ceil']) };
  const p = () => int(random, 0, 3);
  return {
    pad: [
      [0, 0],
      [p(), p()],
      [p(), p()],
      [0, 0],
    ],
  };
}

/** A random NHWC convolution (depthwise: filter [kh,kw,c,multiplier]) whose output is not empty
 * unless a dimension is zero. */
export function randomGeometry(random: Random, depthwise: boolean) {
  for (;;) {
    const strides: [number, number] = [int(random, 1, 3), int(random, 1, 3)];
    const dilations: [number, number] =
      depthwise && strides[0] === 1 && strides[1] === 1 && random() < 0.3
        ? [int(random, 1, 2), int(random, 1, 2)]
        : [1, 1];
    const channels = dim(random, 5);
    const x: Shape4 = [dim(random, 3), dim(random, 9), dim(random, 9), channels];
    const filter: Shape4 = [int(random, 1, 4), int(random, 1, 4), channels, dim(random, 5)];
    const padding = randomPad(random);
    const info = tf.backend_util.computeConv2DInfo(
      x,
      filter,
      strides,
      dilations,
      padding.pad as 'same',
      padding.dimRoundingMode as 'floor',
      depthwise,
    );
    if (info.outHeight >= 0 && info.outWidth >= 0 && (info.outHeight > 0 || x[1] === 0)) {
      if (info.outWidth > 0 || x[2] === 0) {
        return { x, filter, strides, dilations, ...padding, dy: info.outShape as Shape4 };
      }
    }
  }
}

/** Attribute values no convolution or pooling accepts, by name. */
const HOSTILE_STRIDES = [0, -1, 1.5, Number.NaN, [1], [1, 0], [2, -2], 'x', null, 2 ** 40];
const HOSTILE_PADS = [
  -1,
  1.5,
  'bogus',
  'x'.repeat(5000),
  [
    [0, 0],
    [1, 1],
  ],
  [
    [0, 0],
    [-1, 0],
    [0, 0],
    [0, 0],
  ],
  [[0, 0], [1], [1, 1], [0, 0]],
  [
    [0, 0],
    [0.5, 0],
    [0, 0],
    [0, 0],
  ],
  [
    [1, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ],
  { top: 1 },
];
/** Values no 4-entry shape attribute accepts. */
const HOSTILE_SHAPES: unknown[] = [
  9,
  'abc',
  null,
  [1, 2, 3],
  [1, 2, 3, 4, 5],
  Array.from({ length: 10000 }, () => 1),
];
/** Entries no shape attribute accepts (2^31 and above: too large for the wasm kernels). */
const HOSTILE_ENTRIES = [-1, 1.5, Number.NaN, 2 ** 40, 2 ** 31, '3', Number.POSITIVE_INFINITY];

/** A copy of `shape` with entry `at` changed by 1..3 (up or, when that stays >= 0, down). */
export function nudged(random: Random, shape: readonly number[], at: number): number[] {
  const out = [...shape];
  const step = int(random, 1, 3);
  out[at] = out[at]! >= step && random() < 0.5 ? out[at]! - step : out[at]! + step;
  return out;
}

/**
 * One inconsistent change to a convolution-like call: a hostile stride, padding, rounding mode
 * or shape attribute, a dy that does not fit, a tensor of the wrong rank.
 */
export function commonMutation(
  random: Random,
  c: Case,
  shapeAttr: string,
  dyName: string,
  otherName: string,
): Case {
  const r = int(random, 0, 8);
  const attrs = { ...c.attrs };
  const inputs = { ...c.inputs };
  const dy = inputs[dyName]!;
  const other = inputs[otherName]!;
  switch (r) {
    case 0:
      return { ...c, attrs: { ...attrs, strides: pick(random, HOSTILE_STRIDES) }, expect: 'error' };
    case 1:
      return {
        ...c,
        attrs: { ...attrs, pad: pick(random, HOSTILE_PADS), dimRoundingMode: undefined },
        expect: 'error',
      };
    case 2: {
      const mode = pick(random, ['bogus', 'floor']);
      // A rounding mode with a string pad is refused by tfjs's ops; 'bogus' everywhere.
      const pad = mode === 'floor' ? pick(random, ['same', 'valid']) : attrs.pad;
      return { ...c, attrs: { ...attrs, pad, dimRoundingMode: mode }, expect: 'error' };
    }
    case 3:
      return {
        ...c,
        attrs: { ...attrs, [shapeAttr]: pick(random, HOSTILE_SHAPES) },
        expect: 'error',
      };
    case 4: {
      const shape = [...(attrs[shapeAttr] as number[])];
      shape[int(random, 0, 3)] = pick(random, HOSTILE_ENTRIES) as number;
      return { ...c, attrs: { ...attrs, [shapeAttr]: shape }, expect: 'error' };
    }
    case 5: {
      const shape = nudged(random, dy.shape, int(random, 0, 3));
      return { ...c, inputs: { ...inputs, [dyName]: operand(random, shape) }, expect: 'error' };
    }
    case 6: {
      const shape = random() < 0.5 ? dy.shape.slice(1) : [1, ...dy.shape];
      return { ...c, inputs: { ...inputs, [dyName]: operand(random, shape) }, expect: 'error' };
    }
    case 7: {
      const shape = random() < 0.5 ? other.shape.slice(1) : [...other.shape, 1];
      return { ...c, inputs: { ...inputs, [otherName]: operand(random, shape) }, expect: 'error' };
    }
    default:
      // An int32 dy: refused, or (a replacement handing it to the kernel it replaced) computed.
      return {
        ...c,
        inputs: { ...inputs, [dyName]: { ...dy, values: Int32Array.from(dy.values) } },
        expect: 'either',
      };
  }
}
