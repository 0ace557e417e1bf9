/**
 * Learning-rate schedules as pure functions of the step: the multiplier of the base learning rate
 * at step t (0-based) of a run of `total` steps. One per task, after the paper's problems.
 * (Temporary home: to be unified with the tfjs branch's schedule library.)
 */
export type Schedule =
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

export function lrMultiplier(schedule: Schedule, t: number, total: number): number {
  switch (schedule.kind) {
    case 'constant':
      return 1;
    case 'stepwise': {
      let m = 1;
      for (const milestone of schedule.milestones) {
        if (t >= Math.round(milestone * total)) m *= schedule.factor;
      }
      return m;
    }
    case 'warmup-inverse-sqrt': {
      const w = Math.max(1, schedule.warmup);
      return t < w ? (t + 1) / w : Math.sqrt(w / (t + 1));
    }
    case 'warmup-polynomial': {
      const w = Math.max(1, schedule.warmup);
      if (t < w) return (t + 1) / w;
      const progress = Math.min(1, (t - w) / Math.max(1, total - w));
      return (1 - progress) ** schedule.power;
    }
  }
}

/** A short human description, for the report. */
export function describeSchedule(schedule: Schedule): string {
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
