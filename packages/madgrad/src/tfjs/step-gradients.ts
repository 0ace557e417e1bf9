import * as tf from '@tensorflow/tfjs-core';
import { InvalidGradientError } from '../maths/errors.js';
import type { NamedTensor } from './named-tensor.js';

/** One gradient of a step, validated, with the variable it updates. */
export interface StepItem {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly grad: tf.Tensor;
}

/**
 * Validates the gradients of step `k` (names, registered variables, live float32 tensors, shapes
 * matching the variable and its existing state) and returns the non-null ones in the order given.
 * `stateShapeOf` gives the shape of a variable's optimizer state, or undefined before its first step.
 */
export function collectStepGradients(
  variableGradients: tf.NamedTensorMap | NamedTensor[],
  k: number,
  stateShapeOf: (name: string) => readonly number[] | undefined,
): StepItem[] {
  if (variableGradients == null || typeof variableGradients !== 'object') {
    throw new InvalidGradientError(
      `step k=${k}: gradients must be a map or an array of {name, tensor}`,
    );
  }
  const pairs: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients)
    ? variableGradients.map((e) => [e?.name, e?.tensor])
    : Object.entries(variableGradients);
  const registered = tf.engine().registeredVariables;
  const seen = new Set<string>();
  const items: StepItem[] = [];
  for (const [name, grad] of pairs) {
    const where = `step k=${k}: variable "${name}"`;
    if (typeof name !== 'string') {
      throw new InvalidGradientError(`step k=${k}: every gradient needs a variable name`);
    }
    if (seen.has(name)) throw new InvalidGradientError(`${where} has two gradients`);
    seen.add(name);
    if (grad == null) continue;
    const variable = registered[name];
    if (!variable) throw new InvalidGradientError(`${where} is not a registered tf.Variable`);
    if (!(grad instanceof tf.Tensor) || grad.isDisposed) {
      throw new InvalidGradientError(`${where}: the gradient is not a live tensor`);
    }
    if (variable.dtype !== 'float32' || grad.dtype !== 'float32') {
      throw new InvalidGradientError(
        `${where}: variable and gradient must be float32, got ${variable.dtype} and ${grad.dtype}`,
      );
    }
    if (!tf.util.arraysEqual(variable.shape, grad.shape)) {
      throw new InvalidGradientError(
        `${where}: gradient has shape [${grad.shape}], the variable has [${variable.shape}]`,
      );
    }
    const stateShape = stateShapeOf(name);
    if (stateShape !== undefined && !tf.util.arraysEqual([...stateShape], variable.shape)) {
      throw new InvalidGradientError(
        `${where}: its optimizer state has shape [${stateShape}], the variable has [${variable.shape}]`,
      );
    }
    items.push({ name, variable, grad });
  }
  return items;
}

/** What a step's scan of its gradients found: the first variable holding NaN/±Infinity, if any. */
export interface GradientScan {
  /** Name of the first variable whose gradient is not finite, or null. */
  readonly bad: string | null;
  /** Sum of the squares of every gradient (computed only when clipping needs it, else 0). */
  readonly sumSquares: number;
}
