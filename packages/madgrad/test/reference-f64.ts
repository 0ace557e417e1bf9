/**
 * MADGRAD written out in float64 from the paper and the reference's semantics (golden/FORMAT.md),
 * independent of the library: s = Σ λ_i g_i, v = Σ λ_i g_i², λ_k = (lr + eps) sqrt(k + 1) (lr 0
 * stays 0), z = x0 − s / (cbrt(v) + eps), x = β x + (1 − β) z. No weight decay.
 */
export class Madgrad64 {
  readonly x: number[];
  private readonly x0: number[];
  private readonly s: number[];
  private readonly v: number[];
  private k = 0;

  constructor(
    x0: ArrayLike<number>,
    private readonly options: { lr: number; momentum?: number; eps?: number },
  ) {
    this.x0 = Array.from(x0);
    this.x = this.x0.slice();
    this.s = this.x0.map(() => 0);
    this.v = this.x0.map(() => 0);
  }

  step(g: ArrayLike<number>, lr = this.options.lr): number[] {
    const eps = this.options.eps ?? 1e-6;
    const beta = this.options.momentum ?? 0.9;
    const lamb = (lr === 0 ? 0 : lr + eps) * Math.sqrt(this.k + 1);
    for (let i = 0; i < this.x.length; i++) {
      const gi = g[i]!;
      this.s[i] = this.s[i]! + lamb * gi;
      this.v[i] = this.v[i]! + lamb * gi * gi;
      const d = Math.cbrt(this.v[i]!) + eps;
      const z = this.x0[i]! - (d === 0 ? 0 : this.s[i]! / d);
      this.x[i] = beta * this.x[i]! + (1 - beta) * z;
    }
    this.k++;
    return this.x;
  }
}

/**
 * MirrorMADGRAD in float64 from the reference's semantics (golden/FORMAT.md): v is rescaled by
 * sqrt(k / (k + 1)) and gains g², z −= lr' (k + 1)^(1/3) g / (cbrt(v) + eps) (z unchanged where
 * the denominator is 0), x = β x + (1 − β) z, lr' = lr + eps (lr 0 stays 0). No weight decay.
 */
export class Mirror64 {
  readonly x: number[];
  private readonly z: number[];
  private readonly v: number[];
  private k = 0;

  constructor(
    x0: ArrayLike<number>,
    private readonly options: { lr: number; momentum?: number; eps?: number },
  ) {
    this.x = Array.from(x0);
    this.z = this.x.slice();
    this.v = this.x.map(() => 0);
  }

  step(g: ArrayLike<number>, lr = this.options.lr): number[] {
    const eps = this.options.eps ?? 0;
    const beta = this.options.momentum ?? 0.9;
    const k = this.k;
    const stepSize = (lr === 0 ? 0 : lr + eps) * Math.cbrt(k + 1);
    for (let i = 0; i < this.x.length; i++) {
      const gi = g[i]!;
      this.v[i] = this.v[i]! * Math.sqrt(k / (k + 1)) + gi * gi;
      const d = Math.cbrt(this.v[i]!) + eps;
      if (d !== 0) this.z[i] = this.z[i]! - (stepSize * gi) / d;
      this.x[i] = beta * this.x[i]! + (1 - beta) * this.z[i]!;
    }
    this.k++;
    return this.x;
  }
}
