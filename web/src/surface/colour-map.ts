/** A light sequential colour map (pale yellow → teal → soft blue, light enough for the paths to stand out), as RGB stops at 0 … 1. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [255, 252, 222],
  [199, 233, 180],
  [127, 205, 187],
  [102, 194, 205],
  [84, 160, 204],
  [96, 125, 190],
];

/** The colour at t ∈ [0, 1] (clamped), interpolated linearly between stops. */
export function colourAt(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
