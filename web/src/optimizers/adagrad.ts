import type { Parameter } from '../../../src/index.js';
import { type FlatOptimizer, indexParameters, parameterFor } from './flat-optimizer.js';

export interface AdagradOptions {
  lr: number;
  eps: number;
}

/**
 * AdaGrad (Duchi, Hazan & Singer, 2011, diagonal form) as PyTorch's `torch.optim.Adagrad`
 * with no decay: G ← G + g², x ← x − lr·g/(√G + ε).
 */
export class Adagrad implements FlatOptimizer {
  private readonly params: Map<string, Parameter>;
  private readonly sums = new Map<string, Float32Array>();
  private options: AdagradOptions;

  constructor(params: readonly Parameter[], options: Partial<AdagradOptions> = {}) {
    this.options = { lr: 1e-2, eps: 1e-10, ...options };
    this.params = indexParameters('Adagrad', params, { ...this.options });
  }

  setLr(lr: number): void {
    this.setOptions({ lr });
  }

  setOptions(partial: Partial<AdagradOptions>): void {
    const next = { ...this.options, ...partial };
    indexParameters('Adagrad', [], { ...next });
    this.options = next;
  }

  step(grads: Record<string, Float32Array>): void {
    const { lr, eps } = this.options;
    for (const [name, g] of Object.entries(grads)) {
      const p = parameterFor('Adagrad', this.params, name, g);
      let sum = this.sums.get(name);
      if (!sum) {
        sum = new Float32Array(g.length);
        this.sums.set(name, sum);
      }
      for (let i = 0; i < g.length; i++) {
        const gi = g[i]!;
        sum[i] = sum[i]! + gi * gi;
        p.value[i] = p.value[i]! - (lr * gi) / (Math.sqrt(sum[i]!) + eps);
      }
    }
  }
}
