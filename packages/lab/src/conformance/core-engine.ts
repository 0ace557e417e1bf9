import type { Gradient, StatefulOptimizer, StepKernels } from 'madgrad';
import { Madgrad, MirrorMadgrad } from 'madgrad';
import type { ConformanceEngine, EngineSession } from './engine.js';
import type { GoldenCase, GoldenGradient } from './golden-case.js';

/** Converts a golden gradient to the core's gradient types. */
export function toGradient(g: GoldenGradient): Gradient {
  if (g === null) return null;
  if (Array.isArray(g)) return Float32Array.from(g);
  return { indices: Int32Array.from(g.indices), values: Float32Array.from(g.values) };
}

/** Builds the core optimizer that a golden case describes, over the given parameter arrays. */
export function buildCoreOptimizer(
  c: GoldenCase,
  params: Readonly<Record<string, Float32Array>>,
  kernels?: StepKernels,
): StatefulOptimizer {
  const shapes = new Map(c.params.map((p) => [p.name, p.shape]));
  const groups = c.groups.map((g) => ({
    ...g.options,
    params: g.params.map((name) => ({ name, shape: shapes.get(name)!, value: params[name]! })),
  }));
  const config = kernels ? { kernels } : {};
  return c.optimizer === 'madgrad'
    ? new Madgrad(groups, config)
    : new MirrorMadgrad(groups, config);
}

function session(
  opt: StatefulOptimizer,
  params: Readonly<Record<string, Float32Array>>,
): EngineSession {
  return {
    setLearningRates: (lrs) => {
      for (const [i, lr] of lrs.entries()) opt.setLr(lr, i);
    },
    step: (grads) =>
      opt.step(Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, toGradient(g)]))),
    params: () => ({ ...params }),
    state: () => {
      const out: Record<string, Record<string, Float32Array>> = {};
      for (const names of opt.groupParameterNames) {
        for (const name of names) {
          const s = opt.stateOf(name);
          if (s) out[name] = { ...s };
        }
      }
      return { k: opt.stepCount, params: out };
    },
    save: () => opt.saveState(),
  };
}

/** An engine running the core optimizers with a given kernel set. */
export function coreEngine(
  name: string,
  description: string,
  kernels?: () => StepKernels,
): ConformanceEngine {
  return {
    name,
    description,
    open: (c, params) => session(buildCoreOptimizer(c, params, kernels?.()), params),
    restore: (c, params, checkpoint) => {
      const opt = buildCoreOptimizer(c, params, kernels?.());
      opt.loadState(checkpoint);
      return session(opt, params);
    },
  };
}
