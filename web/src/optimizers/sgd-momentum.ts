import type { Parameter } from '../../../src/index.js';
import { type FlatOptimizer, indexParameters, parameterFor } from './flat-optimizer.js';

export interface SgdMomentumOptions {
  lr: number;
  /** Heavy-ball coefficient μ (0 gives plain SGD). */
  momentum: number;
}

/**
 * SGD with heavy-ball momentum, as PyTorch's `torch.optim.SGD` (no dampening, no Nesterov):
 * b ← μ·b + g (b = g at the first step), x ← x − lr·b.
 */
export class SgdMomentum implements FlatOptimizer {
  private readonly params: Map<string, Parameter>;
  private readonly buffers = new Map<string, Float32Array>();
  private options: SgdMomentumOptions;

  constructor(params: readonly Parameter[], options: Partial<SgdMomentumOptions> = {}) {
    this.options = { lr: 1e-2, momentum: 0.9, ...options };
    this.params = indexParameters('SgdMomentum', params, { ...this.options });
  }

  setLr(lr: number): void {
    this.setOptions({ lr });
  }

  setOptions(partial: Partial<SgdMomentumOptions>): void {
    const next = { ...this.options, ...partial };
    indexParameters('SgdMomentum', [], { ...next });
    this.options = next;
  }

  step(grads: Record<string, Float32Array>): void {
    const { lr, momentum } = this.options;
    for (const [name, g] of Object.entries(grads)) {
      const p = parameterFor('SgdMomentum', this.params, name, g);
      let b = this.buffers.get(name);
      if (!b) {
        b = Float32Array.from(g);
        this.buffers.set(name, b);
      } else {
        for (let i = 0; i < g.length; i++) b[i] = momentum * b[i]! + g[i]!;
      }
      for (let i = 0; i < g.length; i++) p.value[i] = p.value[i]! - lr * b[i]!;
    }
  }
}
