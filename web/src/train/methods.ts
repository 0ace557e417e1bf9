import { type Optimizer, train } from '@tensorflow/tfjs-core';
import { MadgradOptimizer, MirrorMadgradOptimizer } from 'madgrad/tfjs';

export interface TrainMethod {
  readonly id: string;
  readonly label: string;
  readonly colour: string;
  readonly defaultLr: number;
}

/** The methods on the training page, with learning rates that train the small MLP well. */
export const TRAIN_METHODS: readonly TrainMethod[] = [
  { id: 'madgrad', label: 'MADGRAD', colour: '#e6194b', defaultLr: 0.01 },
  { id: 'mirror-madgrad', label: 'MirrorMADGRAD', colour: '#f58231', defaultLr: 0.01 },
  { id: 'adam', label: 'Adam', colour: '#4363d8', defaultLr: 0.003 },
  { id: 'sgd', label: 'SGD + momentum', colour: '#3cb44b', defaultLr: 0.05 },
  { id: 'adagrad', label: 'AdaGrad', colour: '#911eb4', defaultLr: 0.1 },
];

export function trainMethodById(id: string): TrainMethod {
  const m = TRAIN_METHODS.find((t) => t.id === id);
  if (!m) throw new Error(`unknown training method "${id}"`);
  return m;
}

/**
 * The one place that turns a method name into a TensorFlow.js optimizer. SGD, Adam and AdaGrad
 * are TensorFlow.js's own; MADGRAD and MirrorMADGRAD are this library's `madgrad/tfjs`
 * optimizers (on webgl and webgpu as one fused shader program per variable, on cpu and wasm with
 * the library's kernels over the backend's storage).
 */
export function createOptimizer(id: string, lr: number): Optimizer {
  if (!(Number.isFinite(lr) && lr > 0))
    throw new RangeError(`learning rate must be > 0, got ${lr}`);
  switch (id) {
    case 'madgrad':
      return new MadgradOptimizer({ learningRate: lr, momentum: 0.9 });
    case 'mirror-madgrad':
      return new MirrorMadgradOptimizer({ learningRate: lr, momentum: 0.9 });
    case 'adam':
      return train.adam(lr);
    case 'sgd':
      return train.momentum(lr, 0.9);
    case 'adagrad':
      // A zero initial accumulator, as the library's and the lab's AdaGrad (PyTorch's default).
      return train.adagrad(lr, 0);
    default:
      throw new Error(`unknown training method "${id}"`);
  }
}
