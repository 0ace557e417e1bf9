import { startingPointError } from '../maths/state-limits.js';
import { firstNonFinite } from '../optimizers/gradients.js';
import { ensureOnActiveBackend, float32View } from './backend-memory.js';
import type { StepItem } from './step-gradients.js';

/**
 * The first-step rule (maths/state-limits.ts) in the tfjs optimizers: a variable whose state a
 * step creates from its values (MADGRAD's x0, MirrorMADGRAD's z) must lie within ±`limit`, or
 * the step throws an InvalidParameterError naming the variable, the index and the value, before
 * anything changes. On the kernel paths (cpu, wasm) the variable's storage is read in place; on
 * the ops path its values are read back once, at its first step only. The device path (webgl,
 * webgpu) does not check: it reads nothing back.
 */
export function checkStartingPoints(
  items: readonly StepItem[],
  isNew: (name: string) => boolean,
  inPlace: boolean,
  limit: number,
  k: number,
): void {
  for (const item of items) {
    if (!isNew(item.name)) continue;
    let values: Float32Array;
    if (inPlace) {
      ensureOnActiveBackend(item.variable);
      values = float32View(item.variable);
    } else {
      values = item.variable.dataSync() as Float32Array;
    }
    const bad = firstNonFinite(values, limit);
    if (bad >= 0) {
      throw startingPointError(`step k=${k}: variable "${item.name}"`, values[bad]!, bad, limit);
    }
  }
}
