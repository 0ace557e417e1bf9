import * as tf from '@tensorflow/tfjs-core';
import { Adagrad } from '../core/baselines/adagrad.js';
import { Adam } from '../core/baselines/adam.js';
import { SgdMomentum } from '../core/baselines/sgd-momentum.js';
import { Madgrad } from '../core/madgrad.js';
import { MirrorMadgrad } from '../core/mirror-madgrad.js';
import type { StatefulOptimizer } from '../core/optimizer.js';
import type { Parameter } from '../core/parameters.js';
import { MadgradOptimizer } from '../tfjs/madgrad-optimizer.js';
import { MirrorMadgradOptimizer } from '../tfjs/mirror-madgrad-optimizer.js';

/**
 * The one place where a method name and its hyperparameters become an optimizer. Everything
 * else in the harness sees only `createTfMethod` (tfjs tasks) and `createCoreMethod` (the
 * `sparse` task over Float32Array).
 */
export const METHODS = ['madgrad', 'mirror-madgrad', 'sgd', 'adam', 'adagrad'] as const;
export type MethodName = (typeof METHODS)[number];

export const METHOD_LABELS: Record<MethodName, string> = {
  madgrad: 'MADGRAD',
  'mirror-madgrad': 'MirrorMADGRAD',
  sgd: 'SGD',
  adam: 'Adam',
  adagrad: 'AdaGrad',
};

export function isMethod(name: string): name is MethodName {
  return (METHODS as readonly string[]).includes(name);
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
    case 'sgd': {
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
  method: MethodName,
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
