/** Mean of the values (NaN for none). */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Sample standard deviation (n - 1 in the denominator); 0 for a single value. */
export function sampleStd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return Math.sqrt(s / (values.length - 1));
}

/** Standard error of the mean: sample std / sqrt(n); 0 for a single value. */
export function standardError(values: readonly number[]): number {
  return values.length < 2 ? 0 : sampleStd(values) / Math.sqrt(values.length);
}

/** Mean and the half-width of the ±2 SE band the paper reports. */
export function meanWithTwoSe(values: readonly number[]): {
  mean: number;
  twoSe: number;
  n: number;
} {
  return { mean: mean(values), twoSe: 2 * standardError(values), n: values.length };
}
