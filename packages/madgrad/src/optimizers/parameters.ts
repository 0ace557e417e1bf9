import { InvalidParameterError } from '../maths/errors.js';
import type { OptimizerOptions } from '../maths/options.js';

/** A named tensor that the optimizer updates in place. `value` is row-major. */
export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Float32Array;
}

/** A parameter group: parameters sharing hyperparameters that override the optimizer's defaults. */
export interface ParameterGroup extends Partial<OptimizerOptions> {
  readonly params: readonly Parameter[];
}

/** Number of elements of a tensor of the given shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Checks one parameter's name, shape and value; returns its element count. */
export function checkParameter(param: Parameter): number {
  if (typeof param?.name !== 'string' || param.name.length === 0) {
    throw new InvalidParameterError(`every parameter needs a non-empty string name`);
  }
  if (!Array.isArray(param.shape) || !param.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidParameterError(
      `parameter "${param.name}": shape must be an array of non-negative integers, got ${JSON.stringify(param.shape)}`,
    );
  }
  if (!(param.value instanceof Float32Array)) {
    throw new InvalidParameterError(`parameter "${param.name}": value must be a Float32Array`);
  }
  const size = shapeSize(param.shape);
  if (param.value.length !== size) {
    throw new InvalidParameterError(
      `parameter "${param.name}": value has ${param.value.length} elements but shape [${param.shape.join(', ')}] needs ${size}`,
    );
  }
  return size;
}

/** True when `entries` is a list of groups rather than a flat list of parameters. */
export function isGroupList(
  entries: readonly Parameter[] | readonly ParameterGroup[],
): entries is readonly ParameterGroup[] {
  return entries.length > 0 && entries.every((e) => Array.isArray((e as ParameterGroup).params));
}
