import * as tf from '@tensorflow/tfjs-core';
import {
  ADAM_DEFAULTS,
  Adagrad,
  Adam,
  type GradientMap,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  powerDecay,
  SgdMomentum,
  type StatefulOptimizer,
} from 'madgrad';
import { DualAveragingVariant, type DualAveragingVariantName, densify } from 'madgrad/experimental';
import { MadgradOptimizer, MirrorMadgradOptimizer } from 'madgrad/tfjs';
import { CoreOptimizerAdapter } from 'madgrad/tfjs/experimental';
import type { AblationTaskName } from './plan-schema.js';
import { type TaskName, taskDefinition } from './tasks/index.js';
import type { WeightDecayGrid } from './tasks/task.js';

/**
 * A run's hyperparameters. `weightDecay` is coupled L2 (added to the gradient by the trainer,
 * the PyTorch semantics of SGD, Adam, AdaGrad and MADGRAD with decoupleDecay false);
 * `momentum` defaults to 0.9 (MADGRAD, MirrorMADGRAD, SGD).
 */
export interface Hyperparameters {
  readonly lr: number;
  readonly weightDecay: number;
  readonly momentum?: number;
}

/** A tfjs optimizer plus the way to change its learning rate between steps. */
export interface TfMethod {
  readonly optimizer: tf.Optimizer;
  setLr(lr: number): void;
}

/** A core optimizer over Float32Array parameters, as the core engine drives it. */
export interface CoreMethod {
  readonly optimizer: StatefulOptimizer;
  setLr(lr: number): void;
  step(gradients: GradientMap): void;
}

/** What every method has: its name in the report, its tfjs optimizer and its own decay. */
interface MethodBase {
  readonly label: string;
  /** The tfjs optimizer (tasks on the `tfjs` engine). */
  tfjs(hp: Hyperparameters): TfMethod;
  /**
   * The method's own factor on the learning rate at step t (0-based), composed with the run's
   * schedule; built once per run. Absent: 1.
   */
  lrFactor?(): (t: number) => number;
}

/**
 * A method of the reproduction: it runs on both engines; its centre on a task is the task's
 * (`lrCentres`: every built-in task names one for each of these methods), else its usual rate.
 */
export interface MainMethodDefinition extends MethodBase {
  /** The core optimizer (tasks on the `core` engine). */
  core(params: Parameter[], hp: Hyperparameters): CoreMethod;
  /** The method's usual learning rate: the centre of its sweep on a task that names none for it. */
  readonly usualLr: number;
}

/**
 * A method of the design ablation only: centres on the ablation's tasks (more are allowed); the
 * core optimizer is optional (absent: the method runs on tfjs only).
 */
export interface AblationOnlyMethodDefinition extends MethodBase {
  core?(params: Parameter[], hp: Hyperparameters): CoreMethod;
  readonly lrCentre: Readonly<Record<AblationTaskName, number>> &
    Readonly<Partial<Record<TaskName, number>>>;
}

/** One method, either kind, as the training loop sees it. */
export type MethodDefinition = MainMethodDefinition | AblationOnlyMethodDefinition;

/** Adam and AdaGrad read their protected `learningRate` field at every step. */
function setField(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** A tfjs optimizer whose learning rate is set with `setLearningRate`. */
function settable(optimizer: tf.Optimizer & { setLearningRate(lr: number): void }): TfMethod {
  return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
}

/** A core optimizer stepped with the gradients as given. */
function coreMethod(optimizer: StatefulOptimizer): CoreMethod {
  return { optimizer, setLr: (lr) => optimizer.setLr(lr), step: (g) => optimizer.step(g) };
}

/** The dense gradient of each parameter (for optimizers without a row-sparse path). */
function densified(params: readonly Parameter[], gradients: GradientMap): GradientMap {
  const out: Record<string, Float32Array | null | undefined> = {};
  for (const p of params) {
    const g = gradients[p.name];
    out[p.name] =
      g && !(g instanceof Float32Array)
        ? densify(g, p.value.length, p.value.length / p.shape[0]!)
        : g;
  }
  return out;
}

/** One of the dual-averaging steps of the paper's construction, through the core adapter. */
function dualAveraging(variant: DualAveragingVariantName) {
  return (hp: Hyperparameters): TfMethod =>
    settable(
      new CoreOptimizerAdapter(
        (params) =>
          new DualAveragingVariant(variant, params, { lr: hp.lr, momentum: hp.momentum ?? 0 }),
        { learningRate: hp.lr },
      ),
    );
}

/** SGD with momentum (tfjs); the sgd-power methods add their decay through `lrFactor`. */
const tfjsSgd = (hp: Hyperparameters) => settable(tf.train.momentum(hp.lr, hp.momentum ?? 0.9));

/** η/(t+1)^p (the core `powerDecay`), the decaying step size of the `sgd-power-p` methods. */
const powerFactor = (power: number) => () => powerDecay({ lr: 1, power });

/** The reproduction's five methods (`madgrad-lab reproduce`), in the order of the report's rows. */
export const METHODS = ['madgrad', 'mirror-madgrad', 'sgd', 'adam', 'adagrad'] as const;
export type MainMethodName = (typeof METHODS)[number];

/**
 * The design ablation's methods, in the order of the paper's construction (Defazio & Jelassi
 * 2021, §5): the dual-averaging variants, MADGRAD without and with momentum, SGD with decaying
 * step sizes η/(k+1)^p (p = 1/4 and 1/2, one method each), and the SGD-with-momentum and AdaGrad
 * baselines.
 */
export const ABLATION_METHODS = [
  'da',
  'adagrad-da',
  'da-weighted',
  'madgrad-sqrt-unweighted',
  'madgrad-sqrt-weighted',
  'madgrad-no-momentum',
  'madgrad',
  'sgd-power-0.25',
  'sgd-power-0.5',
  'sgd',
  'adagrad',
] as const;
export type AblationMethodName = (typeof ABLATION_METHODS)[number];

/**
 * The reproduction's methods (`METHODS`) and, below, the ablation's others: the one place where a
 * method name and its hyperparameters become an optimizer. A new method adds its name to
 * `METHODS` or `ABLATION_METHODS` above and an entry in the matching table; the compiler requires
 * a main method's core optimizer and usual learning rate, and an ablation-only method's centres
 * on the ablation's tasks. A main method's centre on each built-in task is the task's own
 * (`lrCentres`; a test requires one on every built-in task).
 *
 * The ablation-only methods run on digits and g2p; each centre follows from the step the variant
 * takes relative to a main method on constant gradients g over k steps (Defazio & Jelassi 2021,
 * §5):
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
const MAIN_METHOD_TABLE = {
  madgrad: {
    label: 'MADGRAD',
    // The paper's PyTorch implementation's default.
    usualLr: 1e-2,
    tfjs: (hp) =>
      settable(new MadgradOptimizer({ learningRate: hp.lr, momentum: hp.momentum ?? 0.9 })),
    // Momentum 0 on the core engine, so that MADGRAD takes row-sparse gradients.
    core: (params, hp) =>
      coreMethod(new Madgrad(params, { lr: hp.lr, momentum: 0, weightDecay: 0 })),
  },
  'mirror-madgrad': {
    label: 'MirrorMADGRAD',
    usualLr: 1e-2,
    tfjs: (hp) =>
      settable(new MirrorMadgradOptimizer({ learningRate: hp.lr, momentum: hp.momentum ?? 0.9 })),
    // MirrorMADGRAD has no row-sparse path: it gets the same gradient densified.
    core(params, hp) {
      const optimizer = new MirrorMadgrad(params, { lr: hp.lr, momentum: 0, weightDecay: 0 });
      return { ...coreMethod(optimizer), step: (g) => optimizer.step(densified(params, g)) };
    },
  },
  sgd: {
    label: 'SGD',
    usualLr: 0.1,
    tfjs: tfjsSgd,
    core: (params, hp) =>
      coreMethod(new SgdMomentum(params, { lr: hp.lr, momentum: hp.momentum ?? 0.9 })),
  },
  adam: {
    label: 'Adam',
    // PyTorch's and tfjs's default.
    usualLr: 1e-3,
    tfjs(hp) {
      // The core's Adam defaults (PyTorch's): β₁, β₂ and eps.
      const { beta1, beta2, eps } = ADAM_DEFAULTS;
      const optimizer = tf.train.adam(hp.lr, beta1, beta2, eps);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    },
    core: (params, hp) => coreMethod(new Adam(params, { lr: hp.lr })),
  },
  adagrad: {
    label: 'AdaGrad',
    usualLr: 1e-2,
    tfjs(hp) {
      // PyTorch's AdaGrad starts its accumulator at 0 (tfjs's default is 0.1).
      const optimizer = tf.train.adagrad(hp.lr, 0);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    },
    core: (params, hp) => coreMethod(new Adagrad(params, { lr: hp.lr })),
  },
} satisfies Record<MainMethodName, MainMethodDefinition>;

/** The design ablation's methods that the reproduction does not run. */
const ABLATION_ONLY_METHOD_TABLE = {
  da: { label: 'DA', tfjs: dualAveraging('da'), lrCentre: { digits: 1, g2p: 20 } },
  'adagrad-da': {
    label: 'AdaGrad-DA',
    tfjs: dualAveraging('adagrad-da'),
    lrCentre: { digits: 1e-2, g2p: 5e-2 },
  },
  'da-weighted': {
    label: 'DA, λ-weighted',
    tfjs: dualAveraging('da-weighted'),
    lrCentre: { digits: 0.5, g2p: 10 },
  },
  'madgrad-sqrt-unweighted': {
    label: 'MADGRAD-sqrt (unweighted)',
    tfjs: dualAveraging('madgrad-sqrt-unweighted'),
    lrCentre: { digits: 2e-3, g2p: 8e-3 },
  },
  'madgrad-sqrt-weighted': {
    label: 'MADGRAD-sqrt (weighted)',
    tfjs: dualAveraging('madgrad-sqrt-weighted'),
    lrCentre: { digits: 5e-4, g2p: 1.2e-2 },
  },
  'madgrad-no-momentum': {
    label: 'MADGRAD, no momentum',
    tfjs: (hp) => settable(new MadgradOptimizer({ learningRate: hp.lr, momentum: 0 })),
    lrCentre: { digits: 2e-3, g2p: 5e-2 },
  },
  'sgd-power-0.25': {
    label: 'SGD η/(k+1)^¼',
    tfjs: tfjsSgd,
    lrFactor: powerFactor(0.25),
    lrCentre: { digits: 0.1, g2p: 2 },
  },
  'sgd-power-0.5': {
    label: 'SGD η/(k+1)^½',
    tfjs: tfjsSgd,
    lrFactor: powerFactor(0.5),
    lrCentre: { digits: 0.2, g2p: 4 },
  },
} satisfies Record<Exclude<AblationMethodName, MainMethodName>, AblationOnlyMethodDefinition>;

/** Every method: the reproduction's first (the order of `METHOD_LABELS`), then the ablation's. */
export const METHOD_TABLE = { ...MAIN_METHOD_TABLE, ...ABLATION_ONLY_METHOD_TABLE };

export type MethodName = keyof typeof METHOD_TABLE;

/** The definition of a method, seen through the common interface. */
export function methodOf(name: MethodName): MethodDefinition {
  return METHOD_TABLE[name];
}

/** The report's name of each method. */
export const METHOD_LABELS = Object.fromEntries(
  Object.entries(METHOD_TABLE).map(([name, m]) => [name, m.label]),
) as Readonly<Record<MethodName, string>>;

/** One of the reproduction's five methods. */
export function isMethod(name: string): name is MainMethodName {
  return (METHODS as readonly string[]).includes(name);
}

export function isAblationMethod(name: string): name is AblationMethodName {
  return (ABLATION_METHODS as readonly string[]).includes(name);
}

/** Any method the harness can train. */
export function isKnownMethod(name: string): name is MethodName {
  return Object.hasOwn(METHOD_TABLE, name);
}

/** The tfjs optimizer of a method. */
export function createTfMethod(method: MethodName, hp: Hyperparameters): TfMethod {
  return methodOf(method).tfjs(hp);
}

/** The core optimizer of a method; throws for a method that runs on tfjs only. */
export function createCoreMethod(
  method: MethodName,
  params: Parameter[],
  hp: Hyperparameters,
): CoreMethod {
  const m = methodOf(method);
  if (!m.core) {
    throw new Error(
      `method "${method}" has no core implementation: tasks on the core engine run ${Object.keys(
        METHOD_TABLE,
      )
        .filter((n) => methodOf(n as MethodName).core)
        .join(', ')}`,
    );
  }
  return m.core(params, hp);
}

/** The method's factor on the learning rate at each step, built once per run (1 when it has none). */
export function methodLrFactorFor(method: MethodName): (t: number) => number {
  return methodOf(method).lrFactor?.() ?? (() => 1);
}

/**
 * The centre of a method's learning-rate grid on a task: the task's centre for the method, else
 * the method's own on the task (the ablation-only methods), else its usual learning rate. Throws
 * where none is defined.
 */
export function lrCentreOf(task: TaskName, method: MethodName): number {
  const m = methodOf(method);
  const own = 'lrCentre' in m ? (m.lrCentre as Partial<Record<TaskName, number>>)[task] : undefined;
  const centre = taskDefinition(task).lrCentres?.[method] ?? own ?? usualLrOf(method);
  if (centre === undefined) {
    const tasks = 'lrCentre' in m ? ` (it runs on ${Object.keys(m.lrCentre).join(', ')})` : '';
    throw new Error(
      `method "${method}" has no learning-rate centre on task "${task}"${tasks}: the task's lrCentres needs an entry for it`,
    );
  }
  return centre;
}

/** A main method's usual learning rate (undefined for the ablation's own methods). */
function usualLrOf(method: MethodName): number | undefined {
  const m = methodOf(method);
  return 'usualLr' in m ? m.usualLr : undefined;
}

/** The weight-decay grid of a method on a task: the task's ([0] where it sweeps none for it). */
export function weightDecayGridOf(task: TaskName, method: MethodName): readonly number[] {
  const grid = taskDefinition(task).weightDecayGrid;
  if (grid === undefined) return [0];
  return isGridOfEveryMethod(grid) ? grid : (grid[method] ?? [0]);
}

const isGridOfEveryMethod = (grid: WeightDecayGrid): grid is readonly number[] =>
  Array.isArray(grid);
