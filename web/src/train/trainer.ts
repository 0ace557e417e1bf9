import {
  argMax,
  cast,
  losses,
  type Optimizer,
  oneHot,
  type Scalar,
  type Tensor,
  type Tensor2D,
  tensor1d,
  tensor2d,
  tidy,
  type Variable,
} from '@tensorflow/tfjs-core';
import { initializers, type LayersModel, layers, sequential } from '@tensorflow/tfjs-layers';
import { type DigitSet, PIXELS } from './digits.js';
import { createOptimizer } from './methods.js';

const HIDDEN = 64;

/** The batch's images and labels as tensors (caller disposes). */
export function batchTensors(
  data: DigitSet,
  indices: ArrayLike<number>,
): { x: Tensor2D; y: Tensor2D } {
  const images = new Float32Array(indices.length * PIXELS);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    images.set(data.images.subarray(k * PIXELS, (k + 1) * PIXELS), i * PIXELS);
    labels[i] = data.labels[k]!;
  }
  return tidy(() => ({
    x: tensor2d(images, [indices.length, PIXELS]),
    y: cast(oneHot(tensor1d(labels, 'int32'), 10), 'float32') as Tensor2D,
  }));
}

/**
 * One model being trained: a 784–64–10 perceptron (ReLU) with softmax cross-entropy, its
 * weights drawn from a seed so that two methods start from the same network.
 */
export class Trainer {
  readonly model: LayersModel;
  readonly optimizer: Optimizer;
  private readonly variables: Variable[];

  constructor(method: string, lr: number, seed: number) {
    this.model = sequential({
      layers: [
        layers.dense({
          inputShape: [PIXELS],
          units: HIDDEN,
          activation: 'relu',
          kernelInitializer: initializers.glorotUniform({ seed }),
        }),
        layers.dense({
          units: 10,
          kernelInitializer: initializers.glorotUniform({ seed: seed + 1 }),
        }),
      ],
    });
    this.variables = this.model.trainableWeights.map((w) => w.read() as Variable);
    this.optimizer = createOptimizer(method, lr);
  }

  /**
   * One optimizer step on the batch; returns the batch loss before the step as a tensor, to be
   * read later (reading it here would stall the GPU every step; on webgpu it cannot be read
   * synchronously at all). The caller disposes it.
   */
  step(x: Tensor2D, y: Tensor2D): Scalar {
    return this.optimizer.minimize(
      () => losses.softmaxCrossEntropy(y, this.model.apply(x) as Tensor) as Scalar,
      true,
      this.variables,
    )!;
  }

  /** Predicted classes for the given examples. */
  async predict(x: Tensor2D): Promise<Int32Array> {
    const classes = tidy(() => argMax(this.model.predict(x) as Tensor, 1));
    try {
      return (await classes.data()) as Int32Array;
    } finally {
      classes.dispose();
    }
  }

  /** Fraction of the set classified correctly. */
  async accuracy(data: DigitSet, x: Tensor2D): Promise<number> {
    const predicted = await this.predict(x);
    let correct = 0;
    for (let i = 0; i < data.count; i++) if (predicted[i] === data.labels[i]) correct++;
    return correct / data.count;
  }

  /** The optimizer's step implementation (our optimizers report one), or null. */
  get stepPath(): string | null {
    return (this.optimizer as { stepPath?: string }).stepPath ?? null;
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}
