import type { AblationMethodName, MethodName } from './methods.js';
import { isMethod } from './methods.js';
import { TASK_REGISTRY } from './tasks/index.js';
import type { TaskName } from './tasks/task.js';

type AblationOnly = Exclude<AblationMethodName, 'madgrad' | 'sgd' | 'adagrad'>;

/**
 * Sweep centres of the ablation-only methods on the tasks the ablation runs (the five main
 * methods take theirs from the task). Each follows from the step a variant takes relative to a
 * main method on constant gradients g over k steps (Defazio & Jelassi 2021, §5):
 * - `da`: x − x0 = −lr·k·g/sqrt(k): SGD's step decaying as 1/sqrt(k), so SGD's effective step
 *   lr/(1−β) scaled up (×2 on digits);
 * - `da-weighted`: the newest gradient's weight is lr (SGD without momentum): SGD's effective step;
 * - `adagrad-da`: AdaGrad's steps, AdaGrad's centre;
 * - `madgrad-sqrt-unweighted`: a step of about lr per coordinate, Adam's centre;
 * - `madgrad-sqrt-weighted`: MADGRAD's centre ÷ 4 (a first quick run at MADGRAD's centre reached
 *   42% validation accuracy on digits, 80% at ÷ 4);
 * - `madgrad-no-momentum`: MADGRAD's centre;
 * - `sgd-power-p`: SGD's centre × 2 (p = 1/4) and × 4 (p = 1/2), against the decay.
 */
export const ABLATION_LR_CENTRES: Readonly<
  Partial<Record<TaskName, Readonly<Record<AblationOnly, number>>>>
> = {
  digits: {
    da: 1,
    'da-weighted': 0.5,
    'adagrad-da': 1e-2,
    'madgrad-sqrt-unweighted': 2e-3,
    'madgrad-sqrt-weighted': 5e-4,
    'madgrad-no-momentum': 2e-3,
    'sgd-power-0.25': 0.1,
    'sgd-power-0.5': 0.2,
  },
  g2p: {
    da: 20,
    'da-weighted': 10,
    'adagrad-da': 5e-2,
    'madgrad-sqrt-unweighted': 8e-3,
    'madgrad-sqrt-weighted': 1.2e-2,
    'madgrad-no-momentum': 5e-2,
    'sgd-power-0.25': 2,
    'sgd-power-0.5': 4,
  },
};

/** The centre of a method's learning-rate grid on a task; throws where none is defined. */
export function lrCentreOf(task: TaskName, method: MethodName): number {
  if (isMethod(method)) return TASK_REGISTRY[task].lrCentre[method];
  const centre = ABLATION_LR_CENTRES[task]?.[method as AblationOnly];
  if (centre === undefined) {
    throw new Error(
      `method "${method}" has no learning-rate centre on task "${task}" (the ablation runs on ${Object.keys(ABLATION_LR_CENTRES).join(' and ')})`,
    );
  }
  return centre;
}

/** The weight-decay grid of a method on a task (the ablation-only methods: no decay). */
export function weightDecayGridOf(task: TaskName, method: MethodName): readonly number[] {
  return isMethod(method) ? TASK_REGISTRY[task].weightDecayGrid[method] : [0];
}
