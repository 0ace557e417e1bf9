import { InvalidOptionError } from '../maths/errors.js';
import type { MadgradFamilyOptimizer } from './base-optimizer.js';

/** The callback hooks `model.fit` calls (tfjs-layers' `CustomCallbackArgs`), without importing layers. */
export interface EpochScheduleCallback {
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): Promise<void>;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void>;
}

/**
 * A `model.fit` callback for epoch-based schedules: before each epoch it sets the optimizer's
 * learning rate to `schedule(epoch)` (epochs count from 0, as `fit` does), and records it as
 * `lr` in the epoch's logs (so it shows in `history.history.lr`).
 *
 * @example
 * await model.fit(xs, ys, { epochs: 90, callbacks: [learningRateScheduler(optimizer, stepDecay({ lr: 0.01, boundaries: [30, 60] }))] });
 */
export function learningRateScheduler(
  optimizer: MadgradFamilyOptimizer,
  schedule: (epoch: number) => number,
): EpochScheduleCallback {
  if (typeof schedule !== 'function') {
    throw new InvalidOptionError('learningRateScheduler needs a schedule function (epoch) => lr');
  }
  return {
    async onEpochBegin(epoch) {
      const lr = schedule(epoch);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new InvalidOptionError(
          `the epoch schedule returned ${String(lr)} at epoch ${epoch}; it must be a finite number >= 0`,
        );
      }
      optimizer.setLearningRate(lr);
    },
    async onEpochEnd(_epoch, logs) {
      if (logs) logs.lr = optimizer.currentLearningRate;
    },
  };
}
