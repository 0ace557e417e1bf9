/**
 * Checks of a kernel's attributes against its input tensors, made before the kernel allocates or
 * writes anything: each kernel derives its output's size from its inputs, and attributes that
 * disagree with them are refused with the kind of error tfjs's ops throw for inconsistent shapes,
 * an Error whose one-line message names the op ("Error in conv2dDerFilter: ...") and shows at
 * most a few entries of any value.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';

/** The largest value of a size or stride: the SIMD kernels take 32-bit signed integers. */
const MAX_INT = 2 ** 31 - 1;
/** The longest message thrown. */
const MAX_MESSAGE = 300;

/** A short rendering of any value: up to 8 entries of an array, 24 characters of a string. */
export function shown(value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    if (depth > 2) return '[...]';
    const items = value.slice(0, 8).map((v) => shown(v, depth + 1));
    if (value.length > 8) items.push(`... (${value.length} entries)`);
    return `[${items.join(',')}]`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}...` : value);
  }
  if (value === null || typeof value !== 'object') return String(value);
  return 'an object';
}

/** Throws tfjs's kind of error for `op`. */
export function refuse(op: string, message: string): never {
  const text = `Error in ${op}: ${message}`.replace(/\s+/g, ' ');
  throw new Error(text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text);
}

/** Refuses with `message()` unless `condition` holds. */
export function check(condition: boolean, op: string, message: () => string): asserts condition {
  if (!condition) refuse(op, message());
}

/** A size: an integer in [0, 2^31). */
export const isCount = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_INT;

const isPositive = (v: unknown): v is number => isCount(v) && v > 0;

/** `t`, a tensor of rank `rank`. */
export function requireRank(op: string, name: string, t: TensorInfo | undefined, rank: number) {
  check(t != null && Array.isArray(t.shape), op, () => `${name} is missing.`);
  check(
    t.shape.length === rank,
    op,
    () => `${name} must be rank ${rank}, but got shape ${shown(t.shape)}.`,
  );
  return t;
}

/** A tensor of dtype float32. */
export function requireFloat32(op: string, ...named: [string, TensorInfo][]): void {
  for (const [name, t] of named) {
    check(
      t.dtype === 'float32',
      op,
      () => `${name} must be float32 on wasm, but got ${shown(t.dtype)}.`,
    );
  }
}

/** A shape attribute of four sizes (a filterShape or inputShape). */
export function requireShape4(
  op: string,
  name: string,
  value: unknown,
): [number, number, number, number] {
  check(
    Array.isArray(value) && value.length === 4,
    op,
    () => `${name} must be length 4, but got ${shown(value)}.`,
  );
  check(
    value.every(isCount),
    op,
    () => `${name} must hold integers in [0, 2^31), but got ${shown(value)}.`,
  );
  return value as [number, number, number, number];
}

/** A stride, dilation or window: a positive integer, or a pair of them. */
export function requirePair(op: string, name: string, value: unknown): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  check(
    Array.isArray(pair) && pair.length === 2 && pair.every(isPositive),
    op,
    () =>
      `${name} must be a positive integer or a pair of them (below 2^31), but got ${shown(value)}.`,
  );
  return pair as [number, number];
}

/** tfjs's padding of a 2-D convolution or pooling. */
export type Pad = 'same' | 'valid' | number | [number, number][];

/**
 * `pad` is 'same', 'valid', a size, or explicit [[0, 0], [top, bottom], [left, right], [0, 0]]
 * ('NCHW': [[0, 0], [0, 0], [top, bottom], [left, right]]); `dimRoundingMode`, if given, is
 * 'floor', 'round' or 'ceil' and comes with a numeric or explicit pad (as tfjs's ops require).
 */
export function requirePadding(
  op: string,
  pad: unknown,
  dimRoundingMode: unknown,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): Pad {
  const spatial = dataFormat === 'NHWC' ? [1, 2] : [2, 3];
  const explicit =
    Array.isArray(pad) &&
    pad.length === 4 &&
    pad.every(
      (p, i) =>
        Array.isArray(p) &&
        p.length === 2 &&
        p.every(spatial.includes(i) ? isCount : (v: unknown) => v === 0),
    );
  check(
    pad === 'same' || pad === 'valid' || isCount(pad) || explicit,
    op,
    () =>
      `pad must be 'same', 'valid', a non-negative integer or explicit padding of the spatial ` +
      `axes (${dataFormat}), but got ${shown(pad)}.`,
  );
  if (dimRoundingMode != null) {
    check(
      dimRoundingMode === 'floor' || dimRoundingMode === 'round' || dimRoundingMode === 'ceil',
      op,
      () =>
        `dimRoundingMode must be 'floor', 'round' or 'ceil', but got ${shown(dimRoundingMode)}.`,
    );
    check(
      typeof pad !== 'string',
      op,
      () =>
        `pad must be an integer when using dimRoundingMode ${dimRoundingMode} but got pad ${shown(pad)}.`,
    );
  }
  return pad as Pad;
}

/** `t` has exactly the shape `expected`, which the other inputs and the attributes imply. */
export function requireShape(
  op: string,
  name: string,
  t: TensorInfo,
  expected: readonly number[],
  implied: string,
): void {
  check(
    t.shape.length === expected.length && t.shape.every((d, i) => d === expected[i]),
    op,
    () => `${name} must have shape ${shown(expected)} (${implied}), but got ${shown(t.shape)}.`,
  );
}
