import { inverseSqrt, polynomialDecay, stepDecay } from 'madgrad';

/**
 * A learning-rate schedule as data (stored in plans and run ids): it names a pure function of the
 * step, the multiplier of the base learning rate at step t (0-based) of a run of `total` steps.
 * One per task, after the paper's problems. Each is computed by the library's schedules
 * (packages/madgrad/src/maths/schedules.ts, tested against fairseq and optax); the warmup
 * schedules are read one update ahead, so that the first update does not get a learning rate of 0.
 */
export type ScheduleSpec =
  /** Multiply by `factor` at each milestone (fractions of training): CIFAR/ImageNet style. */
  | { readonly kind: 'stepwise'; readonly milestones: readonly number[]; readonly factor: number }
  /** No change. */
  | { readonly kind: 'constant' }
  /** Linear warmup over `warmup` steps, then lr * sqrt(warmup / (t + 1)): fairseq's inverse_sqrt. */
  | { readonly kind: 'warmup-inverse-sqrt'; readonly warmup: number }
  /**
   * Linear warmup over `warmup` steps, then polynomial decay (1 - progress)^power to 0 at the
   * last step: fairseq's polynomial_decay as used for RoBERTa.
   */
  | { readonly kind: 'warmup-polynomial'; readonly warmup: number; readonly power: number };

/**
 * The multiplier of the base learning rate at each step t (0-based) of a run of `total` steps,
 * built once per run (the library schedule is validated here, not at every step).
 */
export function lrMultiplierFor(schedule: ScheduleSpec, total: number): (t: number) => number {
  switch (schedule.kind) {
    case 'constant':
      return () => 1;
    case 'stepwise':
      return stepDecay({
        lr: 1,
        // Runs too short for distinct milestones merge them (stepDecay needs increasing steps).
        boundaries: [...new Set(schedule.milestones.map((m) => Math.round(m * total)))],
        factor: schedule.factor,
      });
    case 'warmup-inverse-sqrt': {
      const f = inverseSqrt({ lr: 1, warmupSteps: Math.max(1, schedule.warmup) });
      return (t) => f(t + 1);
    }
    case 'warmup-polynomial': {
      const f = polynomialDecay({
        lr: 1,
        warmupSteps: Math.max(1, schedule.warmup),
        totalSteps: Math.max(total, schedule.warmup) + 1,
        power: schedule.power,
      });
      return (t) => f(t + 1);
    }
  }
}

/** One value of `lrMultiplierFor(schedule, total)`. */
export function lrMultiplier(schedule: ScheduleSpec, t: number, total: number): number {
  return lrMultiplierFor(schedule, total)(t);
}

/** A short human description, for the report. */
export function describeSchedule(schedule: ScheduleSpec): string {
  switch (schedule.kind) {
    case 'constant':
      return 'constant';
    case 'stepwise':
      return `×${schedule.factor} at ${schedule.milestones.map((m) => `${m * 100}%`).join(' and ')} of training`;
    case 'warmup-inverse-sqrt':
      return `linear warmup over ${schedule.warmup} steps, then inverse square root`;
    case 'warmup-polynomial':
      return `linear warmup over ${schedule.warmup} steps, then polynomial decay (power ${schedule.power}) to 0`;
  }
}
