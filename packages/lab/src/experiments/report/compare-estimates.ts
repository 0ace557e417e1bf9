import type { Estimate } from './summary.js';

export type Comparison = 'better' | 'worse' | 'indistinguishable' | 'single seed';

/**
 * a against b on a metric: better or worse when the ±2 SE intervals do not overlap
 * (|mean_a − mean_b| > 2SE_a + 2SE_b), indistinguishable when they do, and no verdict when either
 * has a single seed (no error bar).
 */
export function compareEstimates(a: Estimate, b: Estimate, higherIsBetter: boolean): Comparison {
  if (a.n < 2 || b.n < 2) return 'single seed';
  const diff = (a.mean - b.mean) * (higherIsBetter ? 1 : -1);
  if (Math.abs(a.mean - b.mean) <= a.twoSe + b.twoSe) return 'indistinguishable';
  return diff > 0 ? 'better' : 'worse';
}
