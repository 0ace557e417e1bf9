import { InvalidGradientError } from '../maths/errors.js';

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

/** Index of the first non-finite value, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    // v - v is 0 for finite v and NaN for NaN or ±Infinity: one comparison per element.
    const v = values[i]!;
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Validates a dense gradient against a parameter of `size` elements (`scan` finds non-finites). */
export function checkDense(
  where: string,
  g: Float32Array,
  size: number,
  scan: (values: Float32Array) => number = firstNonFinite,
): void {
  if (g.length !== size) {
    throw new InvalidGradientError(`${where}: gradient has length ${g.length}, expected ${size}`);
  }
  const bad = scan(g);
  if (bad >= 0) {
    throw new InvalidGradientError(`${where}: gradient holds ${g[bad]} at index ${bad}`);
  }
}

/**
 * Validates row-sparse rows against a parameter of the given shape, in time proportional to
 * the rows given (no table-sized scratch space). Returns the row length.
 */
export function checkSparse(where: string, g: SparseRows, shape: readonly number[]): number {
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
  const bad = firstNonFinite(g.values);
  if (bad >= 0) {
    throw new InvalidGradientError(
      `${where}: gradient holds ${g.values[bad]} in row ${indices[Math.floor(bad / rowLength)]}`,
    );
  }
  return rowLength;
}
