import type { EngineSession } from './engine-session.js';
import type { CoreMethod } from './methods.js';
import type { CoreModel } from './tasks/task.js';

/** True when every value of every gradient is finite. */
function allFinite(gradients: ReturnType<CoreModel['gradient']>): boolean {
  for (const g of Object.values(gradients)) {
    if (!g) continue;
    const values = g instanceof Float32Array ? g : g.values;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  }
  return true;
}

/**
 * A core model under a core optimizer (Float32Array parameters, gradients from the model, row-sparse
 * where the model gives them); the epoch's metrics are the model's own.
 */
export function coreSession(model: CoreModel, method: CoreMethod): EngineSession {
  return {
    step(batch, _rng, lr) {
      const gradients = model.gradient(batch);
      if (!allFinite(gradients)) return false;
      method.setLr(lr);
      method.step(gradients);
      return true;
    },
    endEpoch: (epoch, step) => ({ epoch, step, ...model.evaluate() }),
    dispose() {},
  };
}
