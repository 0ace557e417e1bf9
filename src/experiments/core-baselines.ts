import type { GradientMap, SparseRows } from '../core/gradients.js';
import type { Parameter } from '../core/parameters.js';

/**
 * SGD with momentum, Adam and AdaGrad over Float32Array, with PyTorch's update rules, for the
 * `sparse` task (which runs on the core, without tfjs). Same calling convention as the core's
 * `Madgrad`: `step({name: gradient})`, `setLr(lr)`. Row-sparse gradients are densified except
 * by AdaGrad, whose update of a row with zero gradient is exactly zero (so it touches only the
 * given rows, as PyTorch's sparse AdaGrad does).
 */
export interface CoreMethod {
  step(grads: GradientMap): void;
  setLr(lr: number): void;
}

abstract class Baseline implements CoreMethod {
  protected readonly params = new Map<string, Parameter>();
  protected k = 0;

  constructor(
    params: readonly Parameter[],
    protected lr: number,
  ) {
    for (const p of params) this.params.set(p.name, p);
  }

  setLr(lr: number): void {
    this.lr = lr;
  }

  step(grads: GradientMap): void {
    this.k += 1;
    for (const [name, g] of Object.entries(grads)) {
      const p = this.params.get(name);
      if (!p) throw new Error(`unknown parameter "${name}"`);
      if (g == null) continue;
      if (g instanceof Float32Array) this.dense(p, g);
      else this.sparse(p, g);
    }
  }

  protected abstract dense(p: Parameter, g: Float32Array): void;

  protected sparse(p: Parameter, g: SparseRows): void {
    this.dense(p, densify(g, p));
  }
}

/** The dense gradient equal to row-sparse rows (duplicate rows add up). */
export function densify(g: SparseRows, p: Parameter): Float32Array {
  const out = new Float32Array(p.value.length);
  const rowLength = g.indices.length > 0 ? g.values.length / g.indices.length : 0;
  for (let r = 0; r < g.indices.length; r++) {
    const base = g.indices[r]! * rowLength;
    for (let j = 0; j < rowLength; j++) out[base + j]! += g.values[r * rowLength + j]!;
  }
  return out;
}

/** PyTorch SGD (dampening 0, no Nesterov): b = μ b + g (b = g at the first step); x -= lr b. */
export class SgdMomentum extends Baseline {
  private readonly buffers = new Map<string, Float32Array>();

  constructor(
    params: readonly Parameter[],
    lr: number,
    private readonly momentum = 0.9,
  ) {
    super(params, lr);
  }

  protected dense(p: Parameter, g: Float32Array): void {
    let b = this.buffers.get(p.name);
    const first = !b;
    if (!b) {
      b = new Float32Array(g.length);
      this.buffers.set(p.name, b);
    }
    for (let i = 0; i < g.length; i++) {
      b[i] = first ? g[i]! : this.momentum * b[i]! + g[i]!;
      p.value[i]! -= this.lr * b[i]!;
    }
  }
}

/** PyTorch Adam: bias-corrected first and second moments, x -= lr m̂ / (sqrt(v̂) + eps). */
export class Adam extends Baseline {
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(
    params: readonly Parameter[],
    lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    super(params, lr);
  }

  protected dense(p: Parameter, g: Float32Array): void {
    const m = this.m.get(p.name) ?? new Float32Array(g.length);
    const v = this.v.get(p.name) ?? new Float32Array(g.length);
    this.m.set(p.name, m);
    this.v.set(p.name, v);
    const c1 = 1 - this.beta1 ** this.k;
    const c2 = 1 - this.beta2 ** this.k;
    for (let i = 0; i < g.length; i++) {
      m[i] = this.beta1 * m[i]! + (1 - this.beta1) * g[i]!;
      v[i] = this.beta2 * v[i]! + (1 - this.beta2) * g[i]! * g[i]!;
      p.value[i]! -= (this.lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + this.eps);
    }
  }
}

/** PyTorch AdaGrad (no lr decay, initial accumulator 0): G += g²; x -= lr g / (sqrt(G) + eps). */
export class Adagrad extends Baseline {
  private readonly sums = new Map<string, Float32Array>();

  constructor(
    params: readonly Parameter[],
    lr: number,
    private readonly eps = 1e-10,
  ) {
    super(params, lr);
  }

  private sum(p: Parameter): Float32Array {
    let s = this.sums.get(p.name);
    if (!s) {
      s = new Float32Array(p.value.length);
      this.sums.set(p.name, s);
    }
    return s;
  }

  protected dense(p: Parameter, g: Float32Array): void {
    const s = this.sum(p);
    for (let i = 0; i < g.length; i++) this.update(p, s, i, g[i]!);
  }

  protected override sparse(p: Parameter, g: SparseRows): void {
    const s = this.sum(p);
    const rowLength = g.indices.length > 0 ? g.values.length / g.indices.length : 0;
    for (let r = 0; r < g.indices.length; r++) {
      for (let j = 0; j < rowLength; j++) {
        this.update(p, s, g.indices[r]! * rowLength + j, g.values[r * rowLength + j]!);
      }
    }
  }

  private update(p: Parameter, s: Float32Array, i: number, g: number): void {
    s[i]! += g * g;
    p.value[i]! -= (this.lr * g) / (Math.sqrt(s[i]!) + this.eps);
  }
}
