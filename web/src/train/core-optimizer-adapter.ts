import { engine, Optimizer, tensor, tidy } from '@tensorflow/tfjs-core';
import {
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  type StatefulOptimizer,
} from '../../../src/index.js';

export type CoreMethod = 'madgrad' | 'mirror-madgrad';

/**
 * TEMPORARY: runs the core (Float32Array) MADGRAD or MirrorMADGRAD as a TensorFlow.js optimizer
 * by reading each variable and gradient to the CPU with dataSync, stepping the core, and
 * assigning the result back. It is exact but copies every step; the `madgrad/tfjs` optimizers
 * replace it (see methods.ts).
 */
export class CoreOptimizerAdapter extends Optimizer {
  static get className(): string {
    return 'CoreOptimizerAdapter';
  }

  private core: StatefulOptimizer | null = null;
  private readonly params = new Map<string, Parameter>();

  constructor(
    readonly method: CoreMethod,
    readonly learningRate: number,
    readonly momentum = 0.9,
  ) {
    super();
  }

  override applyGradients(variableGradients: Parameters<Optimizer['applyGradients']>[0]): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor] as const)
      : Object.entries(variableGradients);
    const variables = engine().registeredVariables;
    if (!this.core) {
      for (const [name] of entries) {
        const v = variables[name];
        if (!v) throw new Error(`CoreOptimizerAdapter: no variable named "${name}"`);
        this.params.set(name, { name, shape: v.shape, value: new Float32Array(v.size) });
      }
      const params = [...this.params.values()];
      const options = { lr: this.learningRate, momentum: this.momentum };
      this.core =
        this.method === 'madgrad'
          ? new Madgrad(params, options)
          : new MirrorMadgrad(params, options);
    }
    const grads: Record<string, Float32Array> = {};
    for (const [name, g] of entries) {
      const param = this.params.get(name);
      if (!param)
        throw new Error(`CoreOptimizerAdapter: variable "${name}" appeared after the first step`);
      // The variable may have been changed outside the optimizer: start from its current value.
      param.value.set(variables[name]!.dataSync() as Float32Array);
      grads[name] = Float32Array.from(g.dataSync() as Float32Array);
    }
    this.core.step(grads);
    tidy(() => {
      for (const [name] of entries) {
        const param = this.params.get(name)!;
        variables[name]!.assign(tensor(param.value, param.shape as number[]));
      }
    });
    this.incrementIterations();
  }

  override getConfig() {
    return { method: this.method, learningRate: this.learningRate, momentum: this.momentum };
  }
}
