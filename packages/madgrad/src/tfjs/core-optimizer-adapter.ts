import * as tf from '@tensorflow/tfjs-core';
import {
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
} from '../maths/errors.js';
import type { StatefulOptimizer } from '../optimizers/optimizer.js';
import type { Parameter } from '../optimizers/parameters.js';
import { minimizeOrDispose } from './minimize.js';
import type { NamedTensor } from './named-tensor.js';

/** Builds the core optimizer over the given parameters (called once, at the first step). */
export type CoreOptimizerFactory = (params: Parameter[]) => StatefulOptimizer;

/**
 * A tfjs optimizer that runs ANY core optimizer (a `StatefulOptimizer` over Float32Array): at the
 * first `applyGradients` it copies the variables into Float32Arrays and builds the core optimizer
 * over them; every step reads the gradients (and the variables, which a model may have changed)
 * with `dataSync`, steps the core optimizer and writes the new values back with `assign`.
 *
 * This trades speed for generality (two copies per variable per step): it is how the design
 * ablation trains the dual-averaging variants of `src/optimizers/dual-averaging-variants.ts` on small
 * models. The fast MADGRAD path is `MadgradOptimizer`. Gradients of variables not seen at the
 * first step are rejected (the core optimizer's parameter set is fixed at construction).
 */
export class CoreOptimizerAdapter extends tf.Optimizer {
  static readonly className = 'CoreOptimizerAdapter';
  private core: StatefulOptimizer | null = null;
  private readonly values = new Map<string, Float32Array>();
  private learningRate: number | null;

  constructor(
    private readonly factory: CoreOptimizerFactory,
    options: { learningRate?: number } = {},
  ) {
    super();
    this.learningRate = options.learningRate ?? null;
  }

  /** The wrapped core optimizer (null before the first step). */
  get coreOptimizer(): StatefulOptimizer | null {
    return this.core;
  }

  /** Sets the learning rate of every group, from the next step on. */
  setLearningRate(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) {
      throw new InvalidOptionError(`learning rate must be a non-negative finite number, got ${lr}`);
    }
    this.learningRate = lr;
    this.core?.setLr(lr);
  }

  /** As tfjs's `minimize`, but a step that throws disposes the cost and gradients it computed. */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    return minimizeOrDispose(this, f, returnCost, varList);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const variables = entries.map(([name, grad]) => {
      const variable = registered[name];
      if (!variable) throw new InvalidParameterError(`applyGradients: no variable named "${name}"`);
      if (grad != null && !tf.util.arraysEqual(grad.shape, variable.shape)) {
        throw new InvalidGradientError(
          `applyGradients: gradient of "${name}" has shape [${grad.shape}] but the variable has [${variable.shape}]`,
        );
      }
      return variable;
    });
    if (this.core === null) {
      const params: Parameter[] = variables.map((v, i) => {
        const value = new Float32Array(v.dataSync() as Float32Array);
        this.values.set(entries[i]![0], value);
        return { name: entries[i]![0], shape: [...v.shape], value };
      });
      this.core = this.factory(params);
      if (this.learningRate !== null) this.core.setLr(this.learningRate);
    }
    const grads: Record<string, Float32Array | null> = {};
    entries.forEach(([name, grad], i) => {
      const value = this.values.get(name);
      if (!value) {
        throw new InvalidParameterError(
          `applyGradients: variable "${name}" was not present at the first step`,
        );
      }
      value.set(variables[i]!.dataSync() as Float32Array);
      grads[name] = grad == null ? null : (grad.dataSync() as Float32Array);
    });
    this.core.step(grads);
    entries.forEach(([name, grad], i) => {
      if (grad == null) return;
      const variable = variables[i]!;
      // A copy: tf.tensor keeps the array it is given as the tensor's storage on the cpu
      // backend, and the core optimizer writes into this.values at the next step.
      const next = this.values.get(name)!.slice();
      tf.tidy(() => variable.assign(tf.tensor(next, variable.shape, 'float32')));
    });
    this.incrementIterations();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate };
  }

  override dispose(): void {
    this.core = null;
    this.values.clear();
    super.dispose();
  }
}
