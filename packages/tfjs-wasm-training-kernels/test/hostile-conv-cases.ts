/**
 * Seeded calls of the convolution gradients (Conv2DBackpropFilter, Conv2DBackpropInput and the
 * two depthwise ones), consistent or with one inconsistency (see hostile-cases.ts).
 */

import { int } from './helpers.js';
import {
  type Case,
  commonMutation,
  nudged,
  operand,
  pick,
  randomGeometry,
} from './hostile-cases.js';

type Random = () => number;

/** Consistent with probability `consistent`, else one change from `mutations` or the common ones. */
function mutate(
  random: Random,
  c: Case,
  consistent: number,
  own: ((c: Case) => Case)[],
  names: [shapeAttr: string, dy: string, other: string],
): Case {
  if (random() < consistent) return c;
  if (random() < 0.5) return pick(random, own)(c);
  return commonMutation(random, c, ...names);
}

/** Conv2DBackpropFilter: x, dy; filterShape [kh, kw, x's channels, dy's channels]. */
export function conv2dFilterCase(random: Random): Case {
  const g = randomGeometry(random, false);
  const c: Case = {
    inputs: { x: operand(random, g.x), dy: operand(random, g.dy) },
    attrs: {
      strides: g.strides,
      pad: g.pad,
      dimRoundingMode: g.dimRoundingMode,
      dataFormat: 'NHWC',
      filterShape: g.filter,
    },
    expect: 'result',
    note: 'consistent',
  };
  const filterShape = g.filter;
  return mutate(
    random,
    c,
    0.4,
    [
      // The channel entries must equal x's and dy's channels.
      (c) => ({
        ...c,
        attrs: { ...c.attrs, filterShape: nudged(random, filterShape, int(random, 2, 3)) },
        expect: 'error',
      }),
      // A different filter size changes the output's size, or ('same') does not.
      (c) => ({
        ...c,
        attrs: { ...c.attrs, filterShape: nudged(random, filterShape, int(random, 0, 1)) },
        expect: 'either',
      }),
      (c) => ({
        ...c,
        attrs: { ...c.attrs, dataFormat: pick(random, ['NCHW', 'bogus']) },
        expect: 'error',
      }),
    ],
    ['filterShape', 'dy', 'x'],
  );
}

/** Conv2DBackpropInput: dy, filter; inputShape [b, h, w, filter's in-channels] (or NCHW). */
export function conv2dInputCase(random: Random): Case {
  const g = randomGeometry(random, false);
  const nchw = random() < 0.15;
  const toNchw = ([b, h, w, ch]: number[]) => [b!, ch!, h!, w!];
  const c: Case = {
    inputs: {
      dy: operand(random, nchw ? toNchw(g.dy) : g.dy),
      filter: operand(random, g.filter),
    },
    attrs: {
      strides: g.strides,
      pad: nchw && typeof g.pad === 'object' ? 'valid' : g.pad,
      dimRoundingMode: nchw && typeof g.pad === 'object' ? undefined : g.dimRoundingMode,
      dataFormat: nchw ? 'NCHW' : 'NHWC',
      inputShape: nchw ? toNchw(g.x) : g.x,
    },
    expect: 'result',
    note: nchw ? 'NCHW' : 'consistent',
  };
  if (nchw) {
    // Explicit padding was replaced by 'valid': recompute dy's shape for it.
    if (typeof g.pad === 'object') return conv2dInputCase(random);
    return c;
  }
  const inputShape = g.x;
  return mutate(
    random,
    c,
    0.4,
    [
      // The channels must equal the filter's in-channels; the batch dy's batch.
      (c) => ({
        ...c,
        attrs: { ...c.attrs, inputShape: nudged(random, inputShape, pick(random, [0, 3])) },
        expect: 'error',
      }),
      // Another height or width changes dy's expected size, or does not (stride > 1).
      (c) => ({
        ...c,
        attrs: { ...c.attrs, inputShape: nudged(random, inputShape, int(random, 1, 2)) },
        expect: 'either',
      }),
      // A filter whose channels disagree with dy's or with inputShape.
      (c) => ({
        ...c,
        inputs: {
          ...c.inputs,
          filter: operand(random, nudged(random, g.filter, int(random, 2, 3))),
        },
        expect: 'error',
      }),
      (c) => ({ ...c, attrs: { ...c.attrs, dataFormat: 'bogus' }, expect: 'error' }),
    ],
    ['inputShape', 'dy', 'filter'],
  );
}

/** DepthwiseConv2dNativeBackpropFilter: x, dy; filterShape [kh, kw, channels, multiplier]. */
export function depthwiseFilterCase(random: Random): Case {
  const g = randomGeometry(random, true);
  const dilated = g.dilations[0] !== 1 || g.dilations[1] !== 1;
  const c: Case = {
    inputs: { x: operand(random, g.x), dy: operand(random, g.dy) },
    attrs: {
      strides: g.strides,
      dilations: g.dilations,
      pad: g.pad,
      dimRoundingMode: g.dimRoundingMode,
      filterShape: g.filter,
    },
    expect: 'result',
    reference: !dilated,
    shape: g.filter,
    note: 'consistent',
  };
  return mutate(
    random,
    c,
    0.4,
    [
      (c) => ({
        ...c,
        attrs: { ...c.attrs, filterShape: nudged(random, g.filter, int(random, 2, 3)) },
        expect: 'error',
      }),
      (c) => ({
        ...c,
        attrs: { ...c.attrs, dilations: pick(random, [0, -1, 1.5, [1], 'x']) },
        expect: 'error',
      }),
    ],
    ['filterShape', 'dy', 'x'],
  );
}

/** DepthwiseConv2dNativeBackpropInput: dy, filter; inputShape [b, h, w, filter's channels]. */
export function depthwiseInputCase(random: Random): Case {
  const g = randomGeometry(random, true);
  const dilated = g.dilations[0] !== 1 || g.dilations[1] !== 1;
  const c: Case = {
    inputs: { dy: operand(random, g.dy), filter: operand(random, g.filter) },
    attrs: {
      strides: g.strides,
      dilations: g.dilations,
      pad: g.pad,
      dimRoundingMode: g.dimRoundingMode,
      inputShape: g.x,
    },
    expect: 'result',
    reference: !dilated,
    shape: g.x,
    note: 'consistent',
  };
  return mutate(
    random,
    c,
    0.4,
    [
      (c) => ({
        ...c,
        attrs: { ...c.attrs, inputShape: nudged(random, g.x, pick(random, [0, 3])) },
        expect: 'error',
      }),
      (c) => ({
        ...c,
        inputs: {
          ...c.inputs,
          filter: operand(random, nudged(random, g.filter, int(random, 2, 3))),
        },
        expect: 'error',
      }),
      (c) => ({
        ...c,
        attrs: { ...c.attrs, dilations: pick(random, [0, -1, 1.5, [1], 'x']) },
        expect: 'error',
      }),
    ],
    ['inputShape', 'dy', 'filter'],
  );
}
