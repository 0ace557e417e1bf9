import * as tf from '@tensorflow/tfjs-core';
import { Madgrad } from '../core/madgrad.js';
import { MirrorMadgrad } from '../core/mirror-madgrad.js';
import type { Parameter } from '../core/parameters.js';
import { Adagrad, Adam, type CoreMethod, SgdMomentum } from './core-baselines.js';

/**
 * The one place where a method name and its hyperparameters become an optimizer. Everything
 * else in the harness sees only `createTfMethod` (tfjs tasks) and `createCoreMethod` (the
 * `sparse` task over Float32Array).
 */
export const METHODS = ['madgrad', 'mirror-madgrad', 'sgd', 'adam', 'adagrad'] as const;
export type MethodName = (typeof METHODS)[number];

export const METHOD_LABELS: Record<MethodName, string> = {
  madgrad: 'MADGRAD',
  'mirror-madgrad': 'MirrorMADGRAD',
  sgd: 'SGD',
  adam: 'Adam',
  adagrad: 'AdaGrad',
};

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
}

/**
 * A run's hyperparameters. `weightDecay` is coupled L2 (added to the gradient by the trainer,
 * the PyTorch semantics of SGD, Adam, AdaGrad and MADGRAD with decoupleDecay false);
 * `momentum` defaults to 0.9 (MADGRAD, MirrorMADGRAD, SGD).
 */
export interface Hyperparameters {
  readonly lr: number;
  readonly weightDecay: number;
  readonly momentum?: number;
}

/** A tfjs optimizer plus the way to change its learning rate between steps. */
export interface TfMethod {
  readonly optimizer: tf.Optimizer;
  setLr(lr: number): void;
}

export function createTfMethod(method: MethodName, hp: Hyperparameters): TfMethod {
  const momentum = hp.momentum ?? 0.9;
  switch (method) {
    case 'madgrad':
    case 'mirror-madgrad': {
      const optimizer = new CoreAdapterOptimizer(method, hp.lr, momentum);
      return { optimizer, setLr: (lr) => optimizer.setLr(lr) };
    }
    case 'sgd': {
      const optimizer = tf.train.momentum(hp.lr, momentum);
      return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
    }
    case 'adam': {
      const optimizer = tf.train.adam(hp.lr, 0.9, 0.999, 1e-8);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    }
    case 'adagrad': {
      // PyTorch's AdaGrad starts its accumulator at 0 (tfjs's default is 0.1).
      const optimizer = tf.train.adagrad(hp.lr, 0);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    }
  }
}

/** Adam and AdaGrad read their protected `learningRate` field at every step. */
function setField(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Core optimizers for the `sparse` task (momentum 0 for MADGRAD so that it takes sparse rows). */
export function createCoreMethod(
  method: MethodName,
  params: Parameter[],
  hp: Hyperparameters,
): CoreMethod {
  switch (method) {
    case 'madgrad':
      return new Madgrad(params, { lr: hp.lr, momentum: hp.momentum ?? 0, weightDecay: 0 });
    case 'mirror-madgrad':
      return new MirrorMadgrad(params, { lr: hp.lr, momentum: hp.momentum ?? 0, weightDecay: 0 });
    case 'sgd':
      return new SgdMomentum(params, hp.lr, hp.momentum ?? 0.9);
    case 'adam':
      return new Adam(params, hp.lr);
    case 'adagrad':
      return new Adagrad(params, hp.lr);
  }
}

/**
 * TEMPORARY adapter until the `madgrad/tfjs` optimizers are merged: a tfjs Optimizer that reads
 * each variable and gradient with dataSync, runs the core optimizer on Float32Arrays and assigns
 * the result back. Exact (it is the core), but it copies through JS memory every step.
 */
export class CoreAdapterOptimizer extends tf.Optimizer {
  static readonly className = 'CoreAdapterOptimizer';
  private core: Madgrad | MirrorMadgrad | null = null;
  private readonly params = new Map<string, Parameter>();

  constructor(
    private readonly method: 'madgrad' | 'mirror-madgrad',
    private lr: number,
    private readonly momentum: number,
  ) {
    super();
  }

  setLr(lr: number): void {
    this.lr = lr;
    this.core?.setLr(lr);
  }

  override applyGradients(
    variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const entries = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients);
    const variables = tf.engine().registeredVariables;
    if (!this.core) {
      for (const [name] of entries) {
        const v = variables[name];
        if (!v) throw new Error(`no variable named "${name}"`);
        this.params.set(name, { name, shape: v.shape, value: new Float32Array(v.size) });
      }
      const params = [...this.params.values()];
      const options = { lr: this.lr, momentum: this.momentum };
      this.core =
        this.method === 'madgrad'
          ? new Madgrad(params, options)
          : new MirrorMadgrad(params, options);
    }
    const grads: Record<string, Float32Array> = {};
    for (const [name, g] of entries) {
      const p = this.params.get(name);
      const v = variables[name];
      if (!p || !v) throw new Error(`variable "${name}" was not seen at the first step`);
      p.value.set(v.dataSync() as Float32Array);
      grads[name] = g.dataSync() as Float32Array;
    }
    this.core.step(grads);
    for (const [name] of entries) {
      const p = this.params.get(name)!;
      tf.tidy(() => variables[name]!.assign(tf.tensor(p.value, p.shape as number[])));
    }
    this.incrementIterations();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { method: this.method, lr: this.lr, momentum: this.momentum };
  }
}
