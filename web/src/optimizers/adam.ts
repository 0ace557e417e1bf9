import type { Parameter } from '../../../src/index.js';
import { type FlatOptimizer, indexParameters, parameterFor } from './flat-optimizer.js';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * Adam (Kingma & Ba, 2015, Algorithm 1) as PyTorch's `torch.optim.Adam`:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², x ← x − lr·m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ),
 * v̂ = v/(1−β₂ᵗ).
 */
export class Adam implements FlatOptimizer {
  private readonly params: Map<string, Parameter>;
  private readonly state = new Map<string, { m: Float32Array; v: Float32Array }>();
  private options: AdamOptions;
  private t = 0;

  constructor(params: readonly Parameter[], options: Partial<AdamOptions> = {}) {
    this.options = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...options };
    this.params = indexParameters('Adam', params, { ...this.options });
    checkBetas(this.options);
  }

  setLr(lr: number): void {
    this.setOptions({ lr });
  }

  setOptions(partial: Partial<AdamOptions>): void {
    const next = { ...this.options, ...partial };
    indexParameters('Adam', [], { ...next });
    checkBetas(next);
    this.options = next;
  }

  step(grads: Record<string, Float32Array>): void {
    const { lr, beta1, beta2, eps } = this.options;
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    for (const [name, g] of Object.entries(grads)) {
      const p = parameterFor('Adam', this.params, name, g);
      let s = this.state.get(name);
      if (!s) {
        s = { m: new Float32Array(g.length), v: new Float32Array(g.length) };
        this.state.set(name, s);
      }
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]!;
        const m = beta1 * s.m[i]! + (1 - beta1) * gi;
        const v = beta2 * s.v[i]! + (1 - beta2) * gi * gi;
        s.m[i] = m;
        s.v[i] = v;
        p.value[i] = p.value[i]! - (lr * (m / c1)) / (Math.sqrt(v / c2) + eps);
      }
    }
  }
}

function checkBetas(o: AdamOptions): void {
  for (const key of ['beta1', 'beta2'] as const) {
    if (!(o[key] < 1)) throw new RangeError(`Adam: option ${key} must be < 1, got ${o[key]}`);
  }
}
