import { InvalidParameterError } from '../maths/errors.js';
import type { OptimizerOptions } from '../maths/options.js';

/** A named tensor that the optimizer updates in place. `value` is row-major. */
export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Float32Array;
}

/**
 * A parameter group: parameters sharing hyperparameters that override the optimizer's defaults.
 * `O` is the optimizer's options (`AdamOptions` for `Adam`), so each group takes that
 * optimizer's own options.
 */
export type ParameterGroup<O = OptimizerOptions> = Partial<O> & {
  readonly params: readonly Parameter[];
};

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
export function isGroupList<O>(
  entries: readonly Parameter[] | readonly ParameterGroup<O>[],
): entries is readonly ParameterGroup<O>[] {
  return entries.length > 0 && entries.every((e) => Array.isArray((e as ParameterGroup<O>).params));
}

/**
 * Refuses parameters whose arrays share memory (the same Float32Array, or overlapping ranges of
 * one ArrayBuffer): each step would write both updates into the same floats.
 */
export function checkDisjoint(params: readonly Parameter[]): void {
  const byBuffer = new Map<ArrayBufferLike, Parameter[]>();
  for (const p of params) {
    if (p.value.byteLength === 0) continue;
    const list = byBuffer.get(p.value.buffer) ?? [];
    list.push(p);
    byBuffer.set(p.value.buffer, list);
  }
  for (const list of byBuffer.values()) {
    list.sort((a, b) => a.value.byteOffset - b.value.byteOffset);
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      if (before.value.byteOffset + before.value.byteLength > after.value.byteOffset) {
        throw new InvalidParameterError(
          `parameters "${before.name}" and "${after.name}" share memory (overlapping ranges of one ArrayBuffer): each needs its own array`,
        );
      }
    }
  }
}

/** Refuses a parameter whose array no longer has its declared size (e.g. its buffer was transferred). */
export function checkStillSized(param: Parameter, size: number, where: string): void {
  if (param.value.length !== size) {
    throw new InvalidParameterError(
      `${where}: its array now has ${param.value.length} elements, not the ${size} it was declared with (was its buffer transferred or detached?)`,
    );
  }
}
