/**
 * Whether training reached a plateau: the chosen setting's validation metric (mean over its seeds)
 * moved by less than PLATEAU_TOLERANCE of its value over the last quarter of training.
 */

/** The largest relative change over the last quarter of training that counts as a plateau: 1%. */
export const PLATEAU_TOLERANCE = 0.01;

export interface Plateau {
  /** The epoch at three quarters of training (at least one epoch before the last). */
  readonly fromEpoch: number;
  /** The last epoch. */
  readonly toEpoch: number;
  readonly from: number;
  readonly to: number;
  /** |to − from| / |from|. */
  readonly relativeChange: number;
  readonly reached: boolean;
}

/**
 * The plateau check on a curve of per-epoch values (index 0 is epoch 1). Undefined when the curve
 * has fewer than two epochs or a value in the last quarter is not finite.
 */
export function plateauOf(curve: readonly number[]): Plateau | undefined {
  const toEpoch = curve.length;
  if (toEpoch < 2) return undefined;
  const fromEpoch = toEpoch - Math.max(1, Math.round(toEpoch / 4));
  const from = curve[fromEpoch - 1]!;
  const to = curve[toEpoch - 1]!;
  if (!Number.isFinite(from) || !Number.isFinite(to)) return undefined;
  const relativeChange = from === to ? 0 : Math.abs(to - from) / Math.abs(from);
  return {
    fromEpoch,
    toEpoch,
    from,
    to,
    relativeChange,
    reached: relativeChange < PLATEAU_TOLERANCE,
  };
}

/** "0.4% (epochs 6→8)": a plateau check as the report prints it. */
export function formatPlateau(p: Plateau | undefined): string {
  if (!p) return '—';
  const pct = 100 * p.relativeChange;
  const text = pct < 0.1 ? pct.toFixed(2) : pct.toFixed(1);
  return `${p.reached ? 'yes' : 'no'}: ${text}% (epochs ${p.fromEpoch}→${p.toEpoch})`;
}
