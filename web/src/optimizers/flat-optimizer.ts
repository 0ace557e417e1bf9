import type { Parameter } from '../../../src/index.js';

/**
 * The part of the core optimizers' surface that the race uses, so the core's Madgrad and
 * MirrorMadgrad and the small baselines below drive the same loop.
 */
export interface FlatOptimizer {
  step(grads: Record<string, Float32Array>): void;
  setLr(lr: number): void;
}

/** Checks the arguments shared by the baselines and returns the parameters by name. */
export function indexParameters(
  kind: string,
  params: readonly Parameter[],
  options: Readonly<Record<string, number>>,
): Map<string, Parameter> {
  for (const [key, value] of Object.entries(options)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${kind}: option ${key} must be a finite number ≥ 0, got ${value}`);
    }
  }
  const byName = new Map<string, Parameter>();
  for (const p of params) {
    if (byName.has(p.name)) throw new RangeError(`${kind}: parameter "${p.name}" given twice`);
    byName.set(p.name, p);
  }
  return byName;
}

/** The parameter a gradient is for, checked for length. */
export function parameterFor(
  kind: string,
  byName: Map<string, Parameter>,
  name: string,
  g: Float32Array,
): Parameter {
  const p = byName.get(name);
  if (!p) throw new RangeError(`${kind}: unknown parameter "${name}"`);
  if (g.length !== p.value.length) {
    throw new RangeError(
      `${kind}: gradient of "${name}" has ${g.length} values, the parameter ${p.value.length}`,
    );
  }
  return p;
}
