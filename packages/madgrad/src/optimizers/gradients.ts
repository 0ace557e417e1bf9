import { InvalidGradientError } from '../maths/errors.js';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';

/**
 * A row-sparse gradient: the listed rows of a parameter (its first dimension), each row holding
 * `prod(shape[1:])` values, concatenated in the order of `indices`. Rows not listed are zero.
 */
export interface SparseRows {
  readonly indices: ArrayLike<number>;
  readonly values: Float32Array;
}

/** A dense gradient (same length as the parameter), row-sparse rows, or nothing (skip it). */
export type Gradient = Float32Array | SparseRows | null | undefined;

/** Gradients for one step, keyed by parameter name. A missing name means "no gradient". */
export type GradientMap = Readonly<Record<string, Gradient>>;

export function isSparseRows(g: Gradient): g is SparseRows {
  return g != null && typeof g === 'object' && 'indices' in g && 'values' in g;
}

/**
 * Index of the first value that is NaN, ±Infinity or larger in magnitude than `limit`, or -1.
 * `limit` (a float32, at most FLOAT32_MAX) is where a gradient would overflow an optimizer's
 * float32 accumulator (see maths/gradient-limits.ts); the default refuses non-finite values only.
 */
export function firstNonFinite(values: Float32Array, limit: number = FLOAT32_MAX): number {
  for (let i = 0; i < values.length; i++) {
    // False for NaN (every comparison with NaN is), for ±Infinity and for |v| > limit: one
    // comparison per element covers all three.
    if (!(Math.abs(values[i]!) <= limit)) return i;
  }
  return -1;
}

/** The entry of largest magnitude (NaN if any), for error messages. */
function largestEntry(values: Float32Array): number {
  let largest = 0;
  for (const v of values) {
    if (Number.isNaN(v)) return v;
    if (Math.abs(v) > Math.abs(largest)) largest = v;
  }
  return largest;
}

/** The message for an entry the scan refused: NaN/Infinity, or a finite value beyond `limit`. */
export function describeBadEntry(
  where: string,
  values: Float32Array,
  index: number,
  limit: number,
  at = `at index ${index}`,
): string {
  const v = values[index]!;
  if (!Number.isFinite(v)) return `${where}: gradient holds ${v} ${at}`;
  return `${where}: gradient entry ${show(v)} ${at} (largest entry ${show(largestEntry(values))}) exceeds ${show(limit)}: its square would overflow the optimizer's float32 accumulator to Infinity`;
}

/** Large values in exponent form (2.7e+20, not 270000000000000000000). */
function show(x: number): string {
  return Math.abs(x) >= 1e6 ? x.toExponential() : String(x);
}

/** Refuses any `step` argument but a plain object keyed by parameter name (a Map, an array...). */
export function checkGradientRecord(grads: unknown, where: string): void {
  const proto = grads !== null && typeof grads === 'object' ? Object.getPrototypeOf(grads) : 0;
  if (proto !== Object.prototype && proto !== null) {
    const what =
      grads === null
        ? 'null'
        : Array.isArray(grads)
          ? 'an array'
          : typeof grads === 'object'
            ? `a ${(grads as object).constructor?.name ?? 'class'} instance`
            : typeof grads;
    throw new InvalidGradientError(
      `${where}: gradients must be an object keyed by parameter name (a plain record { w: Float32Array, ... }), got ${what}`,
    );
  }
}

/**
 * Validates a dense gradient against a parameter of `size` elements: the length, then one scan
 * (`scan`, the kernels' when they have one) for NaN, ±Infinity and entries beyond `limit`.
 */
export function checkDense(
  where: string,
  g: Float32Array,
  size: number,
  scan: (values: Float32Array, limit: number) => number = firstNonFinite,
  limit: number = FLOAT32_MAX,
): void {
  if (g.length !== size) {
    throw new InvalidGradientError(`${where}: gradient has length ${g.length}, expected ${size}`);
  }
  const bad = scan(g, limit);
  if (bad >= 0) throw new InvalidGradientError(describeBadEntry(where, g, bad, limit));
}

/**
 * Validates row-sparse rows against a parameter of the given shape, in time proportional to
 * the rows given (no table-sized scratch space). Returns the row length.
 */
export function checkSparse(
  where: string,
  g: SparseRows,
  shape: readonly number[],
  limit: number = FLOAT32_MAX,
): number {
  if (shape.length === 0) {
    throw new InvalidGradientError(`${where}: a scalar parameter cannot take row-sparse gradients`);
  }
  if (!(g.values instanceof Float32Array)) {
    throw new InvalidGradientError(`${where}: sparse gradient values must be a Float32Array`);
  }
  const rows = shape[0]!;
  let rowLength = 1;
  for (let d = 1; d < shape.length; d++) rowLength *= shape[d]!;
  const { indices } = g;
  if (indices == null || typeof indices.length !== 'number') {
    throw new InvalidGradientError(`${where}: sparse gradient needs an array of row indices`);
  }
  if (g.values.length !== indices.length * rowLength) {
    throw new InvalidGradientError(
      `${where}: sparse gradient has ${g.values.length} values for ${indices.length} rows of ${rowLength}, expected ${indices.length * rowLength}`,
    );
  }
  const seen = new Set<number>();
  for (let j = 0; j < indices.length; j++) {
    const row = indices[j]!;
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      throw new InvalidGradientError(`${where}: row index ${row} is out of range [0, ${rows})`);
    }
    if (seen.has(row)) throw new InvalidGradientError(`${where}: row index ${row} is repeated`);
    seen.add(row);
  }
  const bad = firstNonFinite(g.values, limit);
  if (bad >= 0) {
    const row = `in row ${indices[Math.floor(bad / rowLength)]}`;
    throw new InvalidGradientError(describeBadEntry(where, g.values, bad, limit, row));
  }
  return rowLength;
}
