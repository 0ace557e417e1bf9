import { mulberry32 } from 'madgrad/experimental';

/** Deterministic uniform [0, 1) generator (the library's mulberry32), so a race can be replayed exactly. */
export const uniform: (seed: number) => () => number = mulberry32;

/** Standard normal samples by the Box–Muller transform over a uniform generator. */
export function gaussian(seed: number): () => number {
  const u = uniform(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}
