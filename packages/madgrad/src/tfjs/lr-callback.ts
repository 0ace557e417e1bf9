import { InvalidOptionError } from '../maths/errors.js';
import { quote } from '../maths/quote.js';
import type { LearningRate } from './config.js';

/** The callback hooks `model.fit` calls (tfjs-layers' `CustomCallbackArgs`), without importing layers. */
export interface EpochScheduleCallback {
  onEpochBegin(epoch: number, logs?: Record<string, unknown>): Promise<void>;
  onBatchEnd(batch: number, logs?: Record<string, unknown>): Promise<void>;
  onEpochEnd(epoch: number, logs?: Record<string, unknown>): Promise<void>;
}

/** What the callback needs of an optimizer: `MadgradOptimizer` and `MirrorMadgradOptimizer` have it. */
export interface SchedulableOptimizer {
  setLearningRate(lr: LearningRate): void;
  readonly currentLearningRate: number;
  /** Steps applied. */
  readonly iterations: number;
  /** Steps skipped for non-finite gradients (`nonFinite: 'skip'`). */
  readonly skippedSteps: number;
}

function isSchedulable(value: unknown): value is SchedulableOptimizer {
  const o = value as SchedulableOptimizer;
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof o.setLearningRate === 'function' &&
    typeof o.iterations === 'number' &&
    typeof o.skippedSteps === 'number'
  );
}

/** Steps the optimizer has taken or skipped: a batch of `model.fit` with it adds one. */
function stepsSeen(optimizer: SchedulableOptimizer): number {
  return optimizer.iterations + optimizer.skippedSteps;
}

/**
 * A `model.fit` callback for epoch-based schedules: before each epoch it sets the learning rate
 * of `optimizer` to `schedule(epoch)` (epochs count from 0, as `fit` does), and records it as
 * `lr` in the epoch's logs (so it shows in `history.history.lr`).
 *
 * `optimizer` must be the optimizer the model was compiled with: a callback cannot reach the
 * model's optimizer in tfjs, so after the first batch of each epoch the callback checks that
 * `optimizer` took that batch's step, and otherwise stops `fit` with an `InvalidOptionError`
 * (a schedule on another optimizer would silently have no effect).
 *
 * @param optimizer The `MadgradOptimizer` or `MirrorMadgradOptimizer` passed to `model.compile`.
 * @param schedule The learning rate of each epoch, e.g. `stepDecay({ lr: 0.01, boundaries: [30, 60] })`.
 * @example
 * const optimizer = madgrad(1e-2);
 * model.compile({ optimizer, loss: 'meanSquaredError' });
 * await model.fit(xs, ys, { epochs: 90, callbacks: [learningRateScheduler(optimizer, stepDecay({ lr: 1e-2, boundaries: [30, 60] }))] });
 */
export function learningRateScheduler(
  optimizer: SchedulableOptimizer,
  schedule: (epoch: number) => number,
): EpochScheduleCallback {
  if (!isSchedulable(optimizer)) {
    throw new InvalidOptionError(
      'learningRateScheduler(optimizer, schedule) needs the MadgradOptimizer or MirrorMadgradOptimizer (from madgrad/tfjs) that the model is compiled with',
    );
  }
  if (typeof schedule !== 'function') {
    throw new InvalidOptionError('learningRateScheduler needs a schedule function (epoch) => lr');
  }
  /** The step count at the start of the epoch, until its first batch has been checked. */
  let stepsAtEpochBegin: number | null = null;
  return {
    async onEpochBegin(epoch) {
      const lr = schedule(epoch);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new InvalidOptionError(
          `the epoch schedule returned ${quote(lr)} at epoch ${epoch}; it must be a finite number >= 0`,
        );
      }
      try {
        optimizer.setLearningRate(lr);
      } catch (e) {
        throw new InvalidOptionError(
          `the epoch schedule returned ${lr} at epoch ${epoch}: ${(e as Error).message}`,
        );
      }
      stepsAtEpochBegin = stepsSeen(optimizer);
    },
    async onBatchEnd() {
      if (stepsAtEpochBegin === null) return;
      if (stepsSeen(optimizer) === stepsAtEpochBegin) {
        throw new InvalidOptionError(
          'learningRateScheduler was given an optimizer that is not the optimizer of the model being fitted (it took no step in the first batch), so the schedule would have no effect: pass the optimizer given to model.compile, e.g. learningRateScheduler(model.optimizer, schedule)',
        );
      }
      stepsAtEpochBegin = null;
    },
    async onEpochEnd(_epoch, logs) {
      if (logs) logs.lr = optimizer.currentLearningRate;
    },
  };
}
