import * as tf from '@tensorflow/tfjs-core';
import type { Parameter, StatefulOptimizer } from 'madgrad';
import {
  Adagrad,
  Adam,
  DualAveragingVariant,
  Madgrad,
  MirrorMadgrad,
  powerDecay,
  SgdMomentum,
} from 'madgrad';
import { CoreOptimizerAdapter, MadgradOptimizer, MirrorMadgradOptimizer } from 'madgrad/tfjs';

/**
 * The one place where a method name and its hyperparameters become an optimizer. Everything
 * else in the harness sees only `createTfMethod` (tfjs tasks) and `createCoreMethod` (the
 * `sparse` task over Float32Array).
 */
export const METHODS = ['madgrad', 'mirror-madgrad', 'sgd', 'adam', 'adagrad'] as const;
/** The reproduction's five methods (`madgrad reproduce`); every task has a sweep centre for each. */
export type MainMethodName = (typeof METHODS)[number];

/**
 * The design ablation's methods (issue 7), in the order of the paper's construction: the
 * dual-averaging variants, MADGRAD without and with momentum, SGD with decaying step sizes
 * η/(k+1)^p (p = 1/4 and 1/2, one method each), and the SGD-with-momentum and AdaGrad baselines.
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

export type MethodName = MainMethodName | AblationMethodName;

export const METHOD_LABELS: Record<MethodName, string> = {
  madgrad: 'MADGRAD',
  'mirror-madgrad': 'MirrorMADGRAD',
  sgd: 'SGD',
  adam: 'Adam',
  adagrad: 'AdaGrad',
  da: 'DA',
  'adagrad-da': 'AdaGrad-DA',
  'da-weighted': 'DA, λ-weighted',
  'madgrad-sqrt-unweighted': 'MADGRAD-sqrt (unweighted)',
  'madgrad-sqrt-weighted': 'MADGRAD-sqrt (weighted)',
  'madgrad-no-momentum': 'MADGRAD, no momentum',
  'sgd-power-0.25': 'SGD η/(k+1)^¼',
  'sgd-power-0.5': 'SGD η/(k+1)^½',
};

/** One of the reproduction's five methods. */
export function isMethod(name: string): name is MainMethodName {
  return (METHODS as readonly string[]).includes(name);
}

export function isAblationMethod(name: string): name is AblationMethodName {
  return (ABLATION_METHODS as readonly string[]).includes(name);
}

/** Any method the harness can train. */
export function isKnownMethod(name: string): name is MethodName {
  return isMethod(name) || isAblationMethod(name);
}

/** The exponent p of the `sgd-power-p` methods. */
const SGD_POWER: Partial<Record<MethodName, number>> = {
  'sgd-power-0.25': 0.25,
  'sgd-power-0.5': 0.5,
};

/**
 * A method's own factor on the learning rate at step t (0-based), composed with the run's
 * schedule: η/(t+1)^p for `sgd-power-p` (the core `powerDecay`), 1 for every other method.
 */
export function methodLrFactor(method: MethodName, t: number): number {
  const p = SGD_POWER[method];
  return p === undefined ? 1 : powerDecay({ lr: 1, power: p })(t);
}

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

export function createTfMethod(method: MethodName, hp: Hyperparameters): TfMethod {
  const momentum = hp.momentum ?? 0.9;
  switch (method) {
    case 'madgrad':
    case 'mirror-madgrad': {
      const Optimizer = method === 'madgrad' ? MadgradOptimizer : MirrorMadgradOptimizer;
      const optimizer = new Optimizer({ learningRate: hp.lr, momentum });
      return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
    }
    case 'madgrad-no-momentum': {
      const optimizer = new MadgradOptimizer({ learningRate: hp.lr, momentum: 0 });
      return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
    }
    case 'da':
    case 'adagrad-da':
    case 'da-weighted':
    case 'madgrad-sqrt-unweighted':
    case 'madgrad-sqrt-weighted': {
      const optimizer = new CoreOptimizerAdapter(
        (params) =>
          new DualAveragingVariant(method, params, { lr: hp.lr, momentum: hp.momentum ?? 0 }),
        { learningRate: hp.lr },
      );
      return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
    }
    case 'sgd':
    case 'sgd-power-0.25':
    case 'sgd-power-0.5': {
      // sgd-power-p: the decay η/(k+1)^p comes from `methodLrFactor`, applied by the trainer.
      const optimizer = tf.train.momentum(hp.lr, momentum);
      return { optimizer, setLr: (lr) => optimizer.setLearningRate(lr) };
    }
    case 'adam': {
      const optimizer = tf.train.adam(hp.lr, 0.9, 0.999, 1e-8);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    }
    case 'adagrad': {
      // PyTorch's AdaGrad starts its accumulator at 0 (tfjs's default is 0.1).
      const optimizer = tf.train.adagrad(hp.lr, 0);
      return { optimizer, setLr: (lr) => setField(optimizer, lr) };
    }
  }
}

/** Adam and AdaGrad read their protected `learningRate` field at every step. */
function setField(optimizer: tf.Optimizer, lr: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Core optimizers for the `sparse` task (momentum 0 for MADGRAD so that it takes sparse rows). */
export function createCoreMethod(
  method: MainMethodName,
  params: Parameter[],
  hp: Hyperparameters,
): StatefulOptimizer {
  switch (method) {
    case 'madgrad':
      return new Madgrad(params, { lr: hp.lr, momentum: hp.momentum ?? 0, weightDecay: 0 });
    case 'mirror-madgrad':
      return new MirrorMadgrad(params, { lr: hp.lr, momentum: hp.momentum ?? 0, weightDecay: 0 });
    case 'sgd':
      return new SgdMomentum(params, { lr: hp.lr, momentum: hp.momentum ?? 0.9 });
    case 'adam':
      return new Adam(params, { lr: hp.lr });
    case 'adagrad':
      return new Adagrad(params, { lr: hp.lr });
  }
}
